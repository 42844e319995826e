#ifndef CCRYPTO_H
#define CCRYPTO_H
// SHA-1, SHA-256 and HMAC from the system's OpenSSL libcrypto (the one libcurl already links), behind a header
// with no OpenSSL types, so that Swift sees only fixed-size values and plain functions.
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Room for OpenSSL's SHA256_CTX (112 bytes in OpenSSL 3), kept by value so hashing allocates nothing.
typedef struct {
    unsigned long long storage[16];
} ccrypto_sha256_context;

void ccrypto_sha256_init(ccrypto_sha256_context *context);
void ccrypto_sha256_update(ccrypto_sha256_context *context, const void *bytes, size_t count);
/// Writes 32 bytes.
void ccrypto_sha256_final(ccrypto_sha256_context *context, unsigned char *digest);

typedef enum { ccrypto_sha1 = 1, ccrypto_sha256 = 2 } ccrypto_hash;

/// Writes the HMAC (20 bytes for SHA-1, 32 for SHA-256) and returns its length, or 0 when libcrypto refused.
size_t ccrypto_hmac(ccrypto_hash hash, const void *key, size_t key_count, const void *message, size_t message_count,
                    unsigned char *mac);

/// Fills `bytes` from the operating system's generator through libcrypto; returns 1 on success.
int ccrypto_random(unsigned char *bytes, size_t count);

#ifdef __cplusplus
}
#endif
#endif
