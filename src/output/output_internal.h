/*
 * output_internal.h - what the text and CSV drivers share (output.c): numbers written the
 * same whatever the locale. Not a public header.
 */
#ifndef PN_OUTPUT_OUTPUT_INTERNAL_H
#define PN_OUTPUT_OUTPUT_INTERNAL_H

/* Make a number printed by snprintf locale-independent: every run of bytes other than digits,
 * signs and 'e' in @buf (the locale's decimal point) becomes '.'. */
void out_decimal_point(char *buf);

#endif
