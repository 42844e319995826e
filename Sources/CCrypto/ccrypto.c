// The low-level SHA-256 calls are deprecated in OpenSSL 3 in favour of EVP, whose per-call context allocation and
// algorithm fetch cost more than hashing a Message-ID; they remain supported for the whole 3.x series.
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "ccrypto.h"
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <limits.h>

_Static_assert(sizeof(SHA256_CTX) <= sizeof(ccrypto_sha256_context), "ccrypto_sha256_context is too small");

void ccrypto_sha256_init(ccrypto_sha256_context *context) { SHA256_Init((SHA256_CTX *)context); }

void ccrypto_sha256_update(ccrypto_sha256_context *context, const void *bytes, size_t count) {
    if (count > 0) SHA256_Update((SHA256_CTX *)context, bytes, count);
}

void ccrypto_sha256_final(ccrypto_sha256_context *context, unsigned char *digest) {
    SHA256_Final(digest, (SHA256_CTX *)context);
}

size_t ccrypto_hmac(ccrypto_hash hash, const void *key, size_t key_count, const void *message, size_t message_count,
                    unsigned char *mac) {
    static const unsigned char empty = 0;
    if (key_count > INT_MAX) return 0;
    const EVP_MD *md = hash == ccrypto_sha1 ? EVP_sha1() : EVP_sha256();
    unsigned int length = 0;
    if (HMAC(md, key_count ? key : &empty, (int)key_count, message_count ? message : &empty, message_count, mac,
             &length) == NULL) {
        return 0;
    }
    return length;
}

int ccrypto_random(unsigned char *bytes, size_t count) {
    while (count > 0) {
        int chunk = count > INT_MAX ? INT_MAX : (int)count;
        if (RAND_bytes(bytes, chunk) != 1) return 0;
        bytes += chunk;
        count -= (size_t)chunk;
    }
    return 1;
}
