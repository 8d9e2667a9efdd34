import Foundation
import Store
import Testing

struct StoreURLTests {
    @Test func parsesEveryForm() throws {
        #expect(try StoreURL("sqlite:///var/lib/playhead/p.db") == .sqlite(path: "/var/lib/playhead/p.db"))
        #expect(try StoreURL("data/p.db") == .sqlite(path: "data/p.db"))
        #expect(try StoreURL("postgres://ph@db.internal:6543/playhead")
                == .postgres(host: "db.internal", port: 6543, user: "ph", password: nil, database: "playhead", requireTLS: false))
        #expect(try StoreURL("postgresql://ph:s3cret@db/playhead?sslmode=require")
                == .postgres(host: "db", port: 5432, user: "ph", password: "s3cret", database: "playhead", requireTLS: true))
        #expect(try StoreURL("postgres://ph:s3cret@db/playhead").description == "postgres://ph@db:5432/playhead", "no password in messages")
    }

    @Test(arguments: ["", "sqlite://relative.db", "mysql://u@h/db", "postgres://db/playhead", "postgres://u@db", "postgres://u@db/x?sslmode=maybe"])
    func refusesMalformed(_ text: String) {
        #expect(throws: StoreError.self) { try StoreURL(text) }
        do { _ = try StoreURL(text) } catch { #expect(error.code == .invalidInput) }
    }

    @Test func defaultsToTheDataDirectory() {
        #expect(StoreURL.defaultURL(environment: [:]) == .sqlite(path: FileManager.default.currentDirectoryPath + "/data/playhead.db"))
        #expect(StoreURL.defaultURL(environment: ["PLAYHEAD_DATA": "/srv/ph"]) == .sqlite(path: "/srv/ph/playhead.db"))
    }

    @Test func errorCodesAreStable() {
        #expect(StoreError.Code.allCases.map(\.rawValue) == [
            "unknown_feature", "invalid_range", "invalid_input", "not_found", "conflict", "unavailable", "migration_failed", "storage_failed",
        ])
    }
}
