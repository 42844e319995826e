#ifndef LIAISON_CLIBXML2_SHIM_H
#define LIAISON_CLIBXML2_SHIM_H
// Debian builds libxml2 with ICU, and <libxml/encoding.h> then includes the system ICU headers, which clash with
// the ICU copy inside Foundation. Liaison never touches libxml2's encoding handlers (the only structs whose layout
// depends on this), so the ICU part of the headers is switched off for Swift.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <libxml/xmlsave.h>
#endif
