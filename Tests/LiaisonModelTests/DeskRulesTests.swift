import Foundation
import LiaisonModel
import Testing

/// What each role may do on the desk, whom a teacher sees, and when an account locks: pure rules, no processes.
struct DeskRulesTests {
    @Test func everyRoleMayDoExactlyWhatItsDescriptionSays() {
        let expected: [StaffRole: Set<DeskAccess.Action>] = [
            .admin: Set(DeskAccess.Action.allCases),
            .office: Set(DeskAccess.Action.allCases).subtracting([.manageStaff]),
            .teacher: [.followMessages, .compose, .families, .recordPhoneCall],
            .nurse: [.alerts, .families, .recordPhoneCall],
        ]
        for role in StaffRole.allCases {
            let access = DeskAccess(role: role)
            #expect(Set(DeskAccess.Action.allCases.filter(access.may)) == expected[role], "\(role)")
        }
    }

    @Test func aTeacherSeesOnlyTheirClassesAndTheFamiliesInThem() {
        let roster = Roster(
            families: [Family(id: "F1", name: "One"), Family(id: "F2", name: "Two")],
            guardians: [
                Guardian(id: "G1", familyID: "F1", givenName: "A", familyName: "One", email: "a@x.example", language: "en"),
                Guardian(id: "G2", familyID: "F2", givenName: "B", familyName: "Two", email: "b@x.example", language: "so"),
            ],
            students: [
                Student(id: "S1", givenName: "C", familyName: "One", grade: "3", className: "3A"),
                Student(id: "S2", givenName: "D", familyName: "Two", grade: "4", className: "4A"),
            ],
            guardianships: [Guardianship(guardianID: "G1", studentID: "S1"), Guardianship(guardianID: "G2", studentID: "S2")])
        let teacher = DeskAccess(DeskStaff(id: "t", name: "T", role: .teacher, classes: ["3A"]))
        #expect(teacher.sees(className: "3A"))
        #expect(!teacher.sees(className: "4A"))
        #expect(teacher.sees(guardian: "G1", in: roster))
        #expect(!teacher.sees(guardian: "G2", in: roster))
        #expect(!teacher.sees(guardian: "unknown", in: roster))
        let office = DeskAccess(role: .office)
        #expect(office.sees(className: "4A") && office.sees(guardian: "G2", in: roster))
    }

    @Test func fiveWrongPasswordsLockForFifteenMinutesThenLongerEachTime() {
        let policy = AccountLockout()
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        var state = AccountLockout.State()
        for attempt in 1...4 {
            state = policy.failed(state, at: start)
            #expect(!policy.isLocked(state, at: start), "after \(attempt)")
        }
        state = policy.failed(state, at: start)
        #expect(policy.isLocked(state, at: start))
        #expect(policy.isLocked(state, at: start.addingTimeInterval(15 * 60 - 1)))
        #expect(!policy.isLocked(state, at: start.addingTimeInterval(15 * 60)))
        // Five more wrong ones after the lock ends: twice as long.
        let later = start.addingTimeInterval(3600)
        for _ in 1...5 { state = policy.failed(state, at: later) }
        #expect(state.lockedUntil == later.addingTimeInterval(30 * 60))
        // Never beyond the ceiling, however many.
        for _ in 1...200 { state = policy.failed(state, at: later) }
        #expect(state.lockedUntil! <= later.addingTimeInterval(policy.maxLock))
        #expect(policy.succeeded(state) == AccountLockout.State())
    }

    @Test func signInNamesAreShortAndPlain() {
        for good in ["clarke", "a.ali", "j_doe-2", "office@riverside"] { #expect(DeskStaff.isValidID(good), "\(good)") }
        for bad in ["", "has space", "semi;colon", "ünïcode", String(repeating: "a", count: 65), "quote\"d"] {
            #expect(!DeskStaff.isValidID(bad), "\(bad)")
        }
    }
}
