import Foundation
import LiaisonLocalization
import LiaisonModel

/// A member of staff's booked meetings as iCalendar (a teacher's day of parent–teacher meetings): each booked time of
/// the classes they see, with the children and any interpreter asked for. `liaison signup calendar --staff` writes
/// it as a file; the desk gives each member of staff a calendar address a phone subscribes to.
public enum StaffMeetingCalendar {
    /// The booked times of `slots` (one meeting's, from ``SignUpPlan/status(of:roster:bookings:)``) in the classes
    /// `classes` (nil: every class, for the office), interpreter languages named in `language`.
    public static func items(event: Event, slots: [SlotRow], classes: Set<String>?, language: LanguageTag) -> [ICalendarWriter.Item] {
        slots.filter { !$0.booked.isEmpty && (classes?.contains($0.group) ?? true) }.map { slot in
            let families = slot.booked.map { family in
                family.children.joined(separator: ", ")
                    + (family.interpreter.map { " (interpreter: \(LanguageDisplayName.name(of: LanguageTag($0) ?? "en", in: language)))" } ?? "")
            }
            let title = event.title.resolve(along: [language]).text
            return ICalendarWriter.Item(
                uid: "\(event.id)-\(slot.slot)@liaison", start: slot.start, end: slot.end,
                summary: families.joined(separator: "; ") + (slot.group == MeetingSlot.wholeEvent ? "" : " (\(slot.group))"),
                location: event.location?.resolve(along: [language]).text, description: "\(title)\n\(families.joined(separator: "\n"))")
        }
    }

    public static func document(_ items: [ICalendarWriter.Item], school: String, name: String, now: Date) -> String {
        ICalendarWriter(productName: school).document(items, stamp: now, name: name)
    }
}
