#ifndef LIAISON_CXMLSHIM_H
#define LIAISON_CXMLSHIM_H

/// Initialises libxml2 once and silences its generic error printer (errors are read from the parser context).
void cxml_initialize(void);

/// Frees memory that libxml2 allocated (`xmlFree` is a function-pointer variable Swift cannot call safely).
void cxml_free(void *pointer);

#endif
