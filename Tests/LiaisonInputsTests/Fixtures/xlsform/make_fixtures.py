#!/usr/bin/env python3
"""Writes the XLSForm workbooks XLSFormTests reads, with openpyxl (an independent writer of .xlsx files):

  spring.xlsx      survey, choices and settings sheets, labels in English, Somali and Arabic, a boolean and a number cell
                   (inline strings, absolute part names: openpyxl's way)
  spring-xlsxwriter.xlsx  the same rows written by XlsxWriter (shared strings, relative part names: Excel's way)
  no-survey.xlsx   a workbook without a survey sheet
  oversized.xlsx   a well-formed workbook whose sheet unpacks to 17 MB (over the reader's 16 MB per part)
  entities.xlsx    a workbook whose sheet declares entities that expand a billion times ("billion laughs")
  utf16.xlsx       the same declaration in a sheet written in UTF-16
  row-overflow.xlsx  a row numbered 2^63 - 1 followed by one without a number
  wide.xlsx        a header cell in column ALL (1,000) above 2,050 rows: 2,050,000 fields from a few bytes each
  cut-stream.xlsx  a sheet whose deflated data stops before its end marker (sizes and CRC as if whole)
  ebcdic.xlsx      a sheet in EBCDIC declaring entities (libxml2 detects EBCDIC by itself)
  utf7.xlsx        a sheet whose declaration, padded past 200 bytes, says UTF-7, hiding <!DOCTYPE as +ADw-!DOCTYPE

Run: pip install --target /tmp/pyxl openpyxl XlsxWriter && PYTHONPATH=/tmp/pyxl python3 make_fixtures.py
"""
import re
import struct
import zipfile
import zlib

import openpyxl
import xlsxwriter


def spring():
    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(["type", "name", "label::English (en)", "label::Somali (so)", "label::Arabic (ar)", "required", "appearance", "parameters"])
    survey.append(["note", "intro", "Thank you for taking part", "Mahadsanid", "شكرًا لمشاركتكم", None, None, None])
    survey.append(["range", "welcome", "My child is made welcome", "Ilmahayga waa la soo dhoweeyaa", "يُرحَّب بطفلي", True, None, "start=1 end=5"])
    survey.append([None] * 8)
    survey.append(["range", "recommend", "Would you recommend the school?", "Ma ku talin lahayd dugsiga?", None, None, None, "start=0 end=10 step=1"])
    survey.append(["select_one yes_no", "informed", "I feel informed", "Waan la socdaa", "أشعر بأنني على اطلاع", "yes", None, None])
    survey.append(["select_multiple contact", "contact", "How should we reach you?", "Sideen kula soo xiriirnaa?", None, None, None, None])
    survey.append(["text", "better", "What could we do better?", "Maxaan si fiican u samayn karnaa?", None, None, "multiline", None])
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", "label::English (en)", "label::Somali (so)"])
    choices.append(["yes_no", "yes", "Yes", "Haa"])
    choices.append(["yes_no", "no", "No", "Maya"])
    choices.append(["contact", "email", "E-mail", "Iimayl"])
    choices.append(["contact", "sms", "Text message, SMS", "Fariin qoraal ah"])
    settings = book.create_sheet("Settings")
    settings.append(["form_title", "privacy", "min_group"])
    settings.append(["Spring", "anonymous", 6])
    book.save("spring.xlsx")
    # The same sheets through XlsxWriter.
    other = xlsxwriter.Workbook("spring-xlsxwriter.xlsx")
    for sheet in book.worksheets:
        target = other.add_worksheet(sheet.title)
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    target.write(cell.row - 1, cell.column - 1, cell.value)
    other.close()


def no_survey():
    book = openpyxl.Workbook()
    book.active.title = "questions"
    book.active.append(["type", "name", "label"])
    book.save("no-survey.xlsx")


def rewritten(name, change):
    book = openpyxl.Workbook()
    book.active.title = "survey"
    book.active.append(["type", "name", "label"])
    book.save(name)
    with zipfile.ZipFile(name) as source:
        parts = {part: source.read(part) for part in source.namelist()}
    parts["xl/worksheets/sheet1.xml"] = change(parts["xl/worksheets/sheet1.xml"])
    with zipfile.ZipFile(name, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for part, data in parts.items():
            target.writestr(part, data)


def entities():
    laughs = b'<!DOCTYPE worksheet [<!ENTITY a "lol">' + b"".join(
        b'<!ENTITY %c "%s">' % (ord("b") + i, (b"&%c;" % (ord("a") + i)) * 10) for i in range(9)) + b"]>"
    rewritten("entities.xlsx", lambda sheet: laughs + sheet.replace(b"<t>label</t>", b"<t>&j;</t>"))


def utf16():
    laughs = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE worksheet [<!ENTITY a "lol">]>'
    rewritten("utf16.xlsx", lambda sheet: (laughs + sheet.decode("utf-8")).encode("utf-16"))


def ebcdic():
    laughs = '<?xml version="1.0" encoding="IBM037"?><!DOCTYPE worksheet [<!ENTITY a "lol">]>'
    rewritten("ebcdic.xlsx", lambda sheet: (laughs + sheet.decode("utf-8")).encode("cp037"))


def utf7():
    declaration = '<?xml version="1.0"' + " " * 250 + 'encoding="UTF-7"?>'
    rewritten("utf7.xlsx", lambda sheet: (declaration + '+ADwAIQ-DOCTYPE worksheet +AFsAPAAh-ENTITY a +ACI-lol+ACIAPgBd-+AD4-').encode() + sheet)


def row_overflow():
    rewritten("row-overflow.xlsx", lambda sheet: sheet.replace(b'<row r="1">', b'<row r="9223372036854775807"><c t="inlineStr"><is><t>x</t></is></c></row><row>'))


def wide():
    rows = b'<row r="1"><c r="ALL1" t="inlineStr"><is><t>type</t></is></c></row>' + b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>x</t></is></c></row>' % (n, n) for n in range(2, 2052))
    rewritten("wide.xlsx", lambda sheet: re.sub(rb"<sheetData>.*</sheetData>", b"<sheetData>" + rows + b"</sheetData>", sheet, flags=re.S))


def cut_stream():
    # A ZIP written by hand: [Content_Types].xml and the workbook as spring.xlsx has them, the sheet's deflate
    # stream cut in half while its header keeps the whole stream's sizes and CRC.
    with zipfile.ZipFile("spring.xlsx") as source:
        parts = {name: source.read(name) for name in source.namelist()}
    out = bytearray()
    directory = bytearray()
    for name, data in parts.items():
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        packed = packer.compress(data) + packer.flush()
        if name == "xl/worksheets/sheet1.xml":
            packed = packed[: len(packed) // 2]
        crc = zlib.crc32(data)
        encoded = name.encode()
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(packed), len(data), len(encoded), 0) + encoded + packed
        directory += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(packed), len(data), len(encoded), 0, 0, 0, 0, 0, offset) + encoded
    start = len(out)
    out += directory
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(parts), len(parts), len(directory), start, 0)
    with open("cut-stream.xlsx", "wb") as target:
        target.write(out)


def oversized():
    book = openpyxl.Workbook()
    book.active.title = "survey"
    book.active.append(["type", "name", "label"])
    book.save("oversized.xlsx")
    with zipfile.ZipFile("oversized.xlsx") as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    # White space before the root element's end: still well-formed, 17 MB unpacked, a few kilobytes packed.
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(b"</worksheet>", b" " * (17 << 20) + b"</worksheet>")
    with zipfile.ZipFile("oversized.xlsx", "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for name, data in parts.items():
            target.writestr(name, data)


spring()
no_survey()
oversized()
entities()
utf16()
row_overflow()
ebcdic()
utf7()
wide()
cut_stream()
