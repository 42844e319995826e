#include "cxmlshim.h"
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <pthread.h>

static void cxml_silent(void *context, const char *message, ...) {
    (void)context;
    (void)message;
}

static pthread_once_t cxml_once = PTHREAD_ONCE_INIT;

static void cxml_initialize_once(void) {
    xmlInitParser();
    xmlSetGenericErrorFunc(NULL, cxml_silent);
}

void cxml_initialize(void) { pthread_once(&cxml_once, cxml_initialize_once); }

void cxml_free(void *pointer) {
    if (pointer != NULL) xmlFree(pointer);
}
