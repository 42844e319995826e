#ifndef LIAISON_CICU_H
#define LIAISON_CICU_H
#endif
