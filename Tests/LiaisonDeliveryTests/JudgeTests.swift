import Foundation
import LiaisonTestSupport
import LiaisonModel
import Testing
@testable import LiaisonDelivery

/// What check_eml.py expects of one message.
struct JudgeCase: Encodable {
    var file: String
    var subject: String
    var from: [String]
    var to: [[String]]
    var replyTo: [String]?
    var date: String
    var messageID: String
    var language: String?
    var text: String
    var html: String?
    var `class`: String
    var unsubscribe: String?
    var extra: [[String]]
    /// The calendar file attached (`meetings.ics`), if any.
    var calendar: String?
}

/// Python's view of a body: LF line ends, a final line end on non-empty text.
func expectedBody(_ text: String) -> String {
    var lf = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
    if !lf.isEmpty, !lf.hasSuffix("\n") { lf += "\n" }
    return lf
}

struct Sample {
    var tag: LanguageTag
    var subject: String
    var fromName: String
    var toName: String
    var text: String
    var html: String?
    var messageClass: MessageClass = .normal
    var calendar: String? = nil
}

/// A booking's calendar file, with a folded non-ASCII line, as a confirmation attaches it.
let sampleCalendar = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Liaison//Lincoln//EN\r\nMETHOD:PUBLISH\r\nBEGIN:VEVENT\r\n"
    + "UID:meetings-3A-F1@liaison\r\nDTSTAMP:20261207T100000Z\r\nDTSTART:20261210T160000Z\r\nDTEND:20261210T161000Z\r\n"
    + "SUMMARY:Kulanka waalidiinta iyo macallimiinta – fasalka 3A (Khamiista)\r\n ee dugsiga\r\nSEQUENCE:1796632800\r\nSTATUS:CONFIRMED\r\n"
    + "END:VEVENT\r\nEND:VCALENDAR\r\n"

let samples: [Sample] = [
    Sample(
        tag: "ar", subject: "دعوة لاجتماع أولياء الأمور", fromName: "مدرسة لينكولن الابتدائية", toName: "فاطمة الزهراء",
        text: "السادة أولياء الأمور الكرام،\nندعوكم لحضور اجتماع أولياء الأمور يوم الخميس ١٩ نوفمبر الساعة السادسة مساءً في قاعة المدرسة.\nمع خالص التحية،\nإدارة المدرسة",
        html: "<p dir=\"rtl\">السادة أولياء الأمور الكرام،</p>\n<p dir=\"rtl\">ندعوكم لحضور اجتماع أولياء الأمور يوم الخميس.</p>",
        messageClass: .newsletter(unsubscribeURL: "https://lincoln.example.org/unsubscribe/7f3a9c")
    ),
    Sample(
        tag: "fa", subject: "دعوت به جلسه اولیا و مربیان – پنجشنبه ۲۸ آبان", fromName: "دبستان لینکلن", toName: "مریم احمدی",
        text: "اولیای گرامی،\nمی‌خواهیم شما را به جلسهٔ اولیا و مربیان دعوت کنیم.\nبا سپاس",
        html: nil
    ),
    Sample(
        tag: "zh-Hans", subject: "家长会邀请：王小明（三年级）", fromName: "林肯小学", toName: "王芳",
        text: "尊敬的家长：\n您好！我校将于11月19日（星期四）下午6点在学校礼堂召开家长会，请您准时参加。\n王小明的班主任：李老师\n",
        html: "<p>尊敬的家长：</p><p>您好！我校将于11月19日（星期四）下午6点召开家长会。</p>",
        messageClass: .alert
    ),
    Sample(
        tag: "zh-Hant", subject: "家長會邀請：王小明（三年級）", fromName: "林肯小學", toName: "陳美玲",
        text: "親愛的家長：\n本校將於十一月十九日（星期四）晚上六點在禮堂舉行家長會，敬請準時出席。\n",
        html: "<p>親愛的家長：</p><p>本校將於十一月十九日舉行家長會。</p>"
    ),
    Sample(
        tag: "ru", subject: "Приглашение на родительское собрание", fromName: "Школа Линкольна", toName: "Иванова, Мария Петровна",
        text: "Уважаемые родители!\nПриглашаем вас на родительское собрание в четверг, 19 ноября, в 18:00 в актовом зале.\nС уважением,\nадминистрация школы\n",
        html: "<p>Уважаемые родители!</p>\n<p>Приглашаем вас на родительское собрание.</p>\n",
        messageClass: .alert
    ),
    Sample(
        tag: "uk", subject: "Запрошення на батьківські збори у четвер, 19 листопада, о 18:00 в актовій залі школи",
        fromName: "Школа імені Лінкольна", toName: "Олена Коваленко",
        text: "Шановні батьки!\nЗапрошуємо вас на батьківські збори.\nЗ повагою, адміністрація\n",
        html: nil, messageClass: .newsletter(unsubscribeURL: "https://lincoln.example.org/u?t=abc&l=uk")
    ),
    Sample(
        tag: "pl", subject: "Zebranie z rodzicami – środa, 18 listopada", fromName: "Szkoła Podstawowa im. Lincolna",
        toName: "Małgorzata Wójcik",
        text: "Szanowni Państwo,\nzapraszamy na zebranie z rodzicami w środę, 18 listopada, o godz. 18:00 w sali nr 12.   \nProsimy o potwierdzenie obecności = tak/nie.\nZ wyrazami szacunku\n",
        html: "<p>Szanowni Państwo,</p><p>zapraszamy na zebranie z rodzicami w środę, 18 listopada.</p>"
    ),
    Sample(
        tag: "vi", subject: "Ngày hội thể thao – thứ Sáu 12/6", fromName: "Trường Tiểu học Lincoln", toName: "Nguyễn Thị Hương",
        text: "Kính gửi quý phụ huynh,\r\nNgày hội thể thao của trường sẽ diễn ra vào thứ Sáu 12/6 từ 8 giờ sáng. Các em học sinh vui lòng mặc đồng phục thể dục và mang theo nước uống.\r\nTrân trọng,\r\nBan giám hiệu\r\n",
        html: "<p>Kính gửi quý phụ huynh,</p><p>Ngày hội thể thao của trường sẽ diễn ra vào thứ Sáu 12/6.</p>"
    ),
    Sample(
        tag: "so", subject: "Kulanka waalidiinta – Khamiista, 19 Nofeembar", fromName: "Dugsiga Hoose ee Lincoln",
        toName: "Faadumo Cali Xasan",
        text: "Waalidiinta sharafta leh,\nWaxaan idinku martiqaadaynaa kulanka waalidiinta ee Khamiista, 19 Nofeembar, saacadda 6:00 fiidnimo.\nMahadsanid\n",
        html: nil, messageClass: .alert
    ),
    Sample(
        tag: "es", subject: "Reunión de padres y madres: jueves 19 de noviembre a las 18:00 en el salón de actos",
        fromName: "Escuela Primaria Lincoln", toName: "José Martínez",
        text: "Estimadas familias:\nLes invitamos a la reunión de padres y madres el jueves 19 de noviembre a las 18:00.\nAtentamente,\nLa dirección\n",
        html: "<p>Estimadas familias:</p><p>Les invitamos a la reunión de padres y madres.</p>",
        messageClass: .newsletter(unsubscribeURL: "https://lincoln.example.org/u/es/19")
    ),
    Sample(
        tag: "en", subject: "Parent-teacher conference: please confirm your time slot by Friday, November 20 (grades 3-5)",
        fromName: "Lincoln Elementary School", toName: "Okafor, Ngozi",
        text: "Dear families,\n\nPlease confirm your time slot by Friday.\nFrom the office:\n.\nA line that is long enough to need a soft line break in quoted-printable, which wraps at 76.\nTrailing space here \nTotal = 3 slots\t\n",
        html: "<p>Dear families,</p>\n<p style=\"color:#333\">Please confirm your time slot by Friday.</p>\n"
    ),
    Sample(
        tag: "en", subject: "🎉 Spring concert 🎶 👨‍👩‍👧‍👦 — tickets =?free?= for families",
        fromName: "Dr. Ann \"Annie\" O'Neil", toName: "Zoë 👩‍🏫",
        text: "Emoji: 🎉🎶👨‍👩‍👧‍👦\nNo final line break",
        html: "<p>🎉</p>", messageClass: .newsletter(unsubscribeURL: "https://lincoln.example.org/u/1")
    ),
    Sample(
        tag: "vi", subject: "Ngày hội thể thao – thứ Sáu 12/6".decomposedStringWithCanonicalMapping,
        fromName: "Nguyễn Bỉnh Khiêm".decomposedStringWithCanonicalMapping, toName: "Lê Văn Tám",
        text: "Tiếng Việt (NFD): Ngày hội thể thao".decomposedStringWithCanonicalMapping + "\n", html: nil
    ),
    Sample(
        tag: "so", subject: "Kulan waa la ballansaday: Kulanka waalidiinta", fromName: "Dugsiga Hoose ee Lincoln", toName: "Faadumo Cali",
        text: "Waalidka qaaliga ah Faadumo,\nKulankaaga waa la ballansaday: Khamiista, 16:00–16:10.\n",
        html: "<p>Waalidka qaaliga ah Faadumo,</p><p>Kulankaaga waa la ballansaday.</p>", calendar: sampleCalendar
    ),
    Sample(
        tag: "ar", subject: "تم حجز الموعد", fromName: "مدرسة لينكولن", toName: "ليلى حداد",
        text: "عزيزتي ليلى،\nتم حجز موعدكم.\n", html: nil, calendar: sampleCalendar
    ),
]

@Suite("Python email judge")
struct JudgeTests {
    @Test func pythonParsesEveryMessageExactly() throws {
        // LIAISON_EML_DIR keeps the messages for inspection; otherwise they go to a temporary directory.
        let keep = ProcessInfo.processInfo.environment["LIAISON_EML_DIR"]
        let directory = keep.map { URL(fileURLWithPath: $0) } ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("liaison-mime-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { if keep == nil { try? FileManager.default.removeItem(at: directory) } }

        var cases: [JudgeCase] = []
        for (index, sample) in samples.enumerated() {
            let key = "event-\(index)#guardian-\(100 + index)#email"
            let to = [
                MailAddress("guardian\(index)@families.example.net", name: sample.toName),
                MailAddress("second.guardian\(index)@example.com"),
            ]
            let extra = [("X-Liaison-Delivery", key), ("X-Liaison-Note", sample.subject)]
            var message = MailMessage(
                from: MailAddress("office@lincoln.example.org", name: sample.fromName),
                to: to,
                replyTo: index % 2 == 0 ? MailAddress("teacher\(index)@lincoln.example.org", name: sample.toName) : nil,
                subject: sample.subject,
                date: sampleDate.addingTimeInterval(Double(index) * 86_400 * 37.3),
                idempotencyKey: key,
                language: sample.tag,
                textBody: sample.text,
                htmlBody: sample.html,
                messageClass: sample.messageClass,
                extraHeaders: extra
            )
            if let calendar = sample.calendar {
                message.attachments = [MailAttachment(filename: MailComposer.calendarFilename, contentType: MailComposer.calendarContentType, data: Array(calendar.utf8))]
            }
            let domain = "liaison.lincoln.example.org"
            let eml = try MIMEBuilder.build(message, messageIDDomain: domain)
            let file = "\(index)-\(sample.tag.rawValue).eml"
            try Data(eml.utf8).write(to: directory.appendingPathComponent(file))

            let (className, url): (String, String?) = switch sample.messageClass {
            case .normal: ("normal", nil)
            case .alert: ("alert", nil)
            case let .newsletter(url): ("newsletter", url)
            }
            cases.append(JudgeCase(
                file: file,
                subject: sample.subject,
                from: [sample.fromName, "office@lincoln.example.org"],
                to: to.map { [$0.displayName ?? "", $0.address] },
                replyTo: message.replyTo.map { [$0.displayName ?? "", $0.address] },
                date: MIMEBuilder.formatDate(message.date),
                messageID: MIMEBuilder.messageID(for: key, domain: domain),
                language: sample.tag.rawValue,
                text: expectedBody(sample.text),
                html: sample.html.map(expectedBody),
                class: className,
                unsubscribe: url,
                extra: extra.map { [$0.0, $0.1] },
                calendar: sample.calendar
            ))
        }
        try JSONEncoder().encode(cases).write(to: directory.appendingPathComponent("cases.json"))

        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("check_eml.py")
        let result = try runProgram("python3", [script.path, directory.path], mergeErrors: true)
        let output = result.output
        #expect(result.status == 0, "check_eml.py failed:\n\(output)")
        #expect(output.contains("checked \(samples.count) messages, 0 problems"), "\(output)")
    }
}
