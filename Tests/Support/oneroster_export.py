#!/usr/bin/env python3
"""Writes a OneRoster 1.1 CSV export of a Liaison roster (the four CSV files), as a SIS would produce it.

usage: oneroster_export.py ROSTER_FOLDER OUTPUT_FOLDER

sourcedIds are stable UUIDs derived from the ids; the ids themselves go in `identifier`. Students carry their
guardians in agentSourcedIds (primary first), guardians their children. Mobile numbers go in `sms`. Languages
go in a side file, languages.csv (sourcedId,language). Staff (one teacher per class) are included, as a SIS
exports them, and are ignored by Liaison.
"""
import csv
import os
import sys
import uuid

NAMESPACE = uuid.UUID("6f1c2b9e-8c1d-4c55-9a57-2f0f5e2f4a10")
STAMP = "2026-11-20T08:00:00.000Z"


def sid(kind, ident):
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{ident}"))


def rows(folder, name):
    with open(os.path.join(folder, name), encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def write(folder, name, header, data):
    with open(os.path.join(folder, name), "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(data)


def main():
    source, target = sys.argv[1], sys.argv[2]
    os.makedirs(target, exist_ok=True)
    guardians = rows(source, "guardians.csv")
    students = rows(source, "students.csv")
    links = rows(source, "guardianships.csv")
    school, district = sid("org", "riverside"), sid("org", "district")

    write(target, "orgs.csv", ["sourcedId", "status", "dateLastModified", "name", "type", "identifier", "parentSourcedId"], [
        [district, "active", STAMP, "River Valley Schools", "district", "RVS", ""],
        [school, "active", STAMP, "Riverside Primary School", "school", "RPS", district],
    ])

    classes = sorted({s["class"] for s in students})
    grade_of = {s["class"]: s["grade"] for s in students}
    write(target, "classes.csv", ["sourcedId", "status", "dateLastModified", "title", "grades", "courseSourcedId", "classCode",
                                  "classType", "location", "schoolSourcedId", "termSourcedIds", "subjects", "subjectCodes", "periods"],
          [[sid("class", c), "active", STAMP, f"Class {c}", grade_of[c], sid("course", grade_of[c]), c, "homeroom", f"Room {c}",
            school, sid("term", "2026-27"), "", "", ""] for c in classes]
          + [[sid("class", "choir"), "active", STAMP, "School choir", "3,4,5,6", sid("course", "music"), "CHOIR", "scheduled", "Hall",
              school, sid("term", "2026-27"), "Music", "", ""]])

    children = {}
    for link in links:
        children.setdefault(link["guardian_id"], []).append(link["student_id"])
    carers = {}
    for link in sorted(links, key=lambda l: l["primary"] != "yes"):
        carers.setdefault(link["student_id"], []).append(link["guardian_id"])
    relationship = {(l["guardian_id"], l["student_id"]): l["relationship"] for l in links}

    def role(guardian_id):
        kinds = {relationship[(guardian_id, s)] for s in children.get(guardian_id, [])}
        if kinds & {"mother", "father", "parent"}:
            return "parent"
        if kinds & {"grandmother", "grandfather", "aunt", "uncle", "sister", "brother"}:
            return "relative"
        return "guardian"

    header = ["sourcedId", "status", "dateLastModified", "enabledUser", "orgSourcedIds", "role", "username", "userIds",
              "givenName", "familyName", "middleName", "identifier", "email", "sms", "phone", "agentSourcedIds", "grades", "password"]
    users = []
    for s in students:
        agents = ",".join(sid("user", g) for g in carers.get(s["student_id"], []))
        grade = s["grade"] if not s["grade"].isdigit() else s["grade"].zfill(2)
        users.append([sid("user", s["student_id"]), "active", STAMP, "true", school, "student", s["student_id"].lower(), "",
                      s["given_name"], s["family_name"], "", s["student_id"], "", "", "", agents, grade, ""])
    for index, g in enumerate(guardians):
        agents = ",".join(sid("user", s) for s in children.get(g["guardian_id"], []))
        # Most SIS keep mobiles in sms; a few are only in phone.
        sms, phone = (g["phone"], "") if index % 5 else ("", g["phone"])
        users.append([sid("user", g["guardian_id"]), "active", STAMP, "true", school, role(g["guardian_id"]), g["email"], "",
                      g["given_name"], g["family_name"], "", g["guardian_id"], g["email"], sms, phone, agents, "", ""])
    for c in classes:
        users.append([sid("user", "teacher-" + c), "active", STAMP, "true", school, "teacher", f"teacher.{c.lower()}", "",
                      "Teacher", c, "", "T-" + c, f"teacher.{c.lower()}@riverside.example", "", "", "", "", ""])
    write(target, "users.csv", header, users)

    enrollments = []
    for s in students:
        enrollments.append([sid("enrollment", s["student_id"]), "active", STAMP, sid("class", s["class"]), school,
                            sid("user", s["student_id"]), "student", "false", "2026-09-01", "2027-07-21"])
        if s["grade"] in {"3", "4", "5", "6"} and int(s["student_id"][1:]) % 4 == 0:
            enrollments.append([sid("enrollment", s["student_id"] + "-choir"), "active", STAMP, sid("class", "choir"), school,
                                sid("user", s["student_id"]), "student", "false", "2026-09-01", "2027-07-21"])
    for c in classes:
        enrollments.append([sid("enrollment", "teacher-" + c), "active", STAMP, sid("class", c), school,
                            sid("user", "teacher-" + c), "teacher", "true", "2026-09-01", "2027-07-21"])
    write(target, "enrollments.csv", ["sourcedId", "status", "dateLastModified", "classSourcedId", "schoolSourcedId",
                                      "userSourcedId", "role", "primary", "beginDate", "endDate"], enrollments)

    write(target, "demographics.csv", ["sourcedId", "status", "dateLastModified", "birthDate", "sex"],
          [[sid("user", s["student_id"]), "active", STAMP, "", ""] for s in students])
    write(target, "languages.csv", ["sourcedId", "language"], [[sid("user", g["guardian_id"]), g["language"]] for g in guardians])


if __name__ == "__main__":
    main()
