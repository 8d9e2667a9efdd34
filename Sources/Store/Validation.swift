import Foundation

// Checks shared by both backends, run before any database work so both refuse the same input the same way.

extension ResultKey {
    /// Checks the key and that every annotation belongs to it.
    func validate(annotations: [Annotation]) throws(StoreError) {
        try validate()
        for annotation in annotations {
            try annotation.validate()
            guard annotation.feature == feature, annotation.model == model else {
                throw StoreError(.invalidInput, "annotation '\(annotation.label)' is \(annotation.feature) by \(annotation.model) but the result is \(feature) by \(model)")
            }
        }
    }
}

enum Check {
    static func features(_ features: [Feature]) throws(StoreError) {
        guard !features.isEmpty else { throw StoreError(.invalidInput, "a job needs at least one feature") }
        for feature in features where !Feature.known.contains(feature) { throw StoreError.unknownFeature(feature) }
    }

    static func pipeline(name: String, parameters: String) throws(StoreError) {
        guard !name.isEmpty, name.count <= 100, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw StoreError(.invalidInput, "pipeline name '\(name)' must be 1-100 letters, digits, '-', '_' or '.'")
        }
        try json(parameters, "pipeline parameters")
    }

    static func window(_ window: TimeRange) throws(StoreError) {
        guard window.end > window.start else {
            throw StoreError(.invalidRange, "query window \(window) is empty; the end must be after the start")
        }
    }

    static func limit(_ limit: Int) throws(StoreError) {
        guard limit >= 1 else { throw StoreError(.invalidInput, "limit \(limit) must be at least 1") }
    }

    static func lease(owner: String, duration: Duration) throws(StoreError) {
        guard !owner.isEmpty else { throw StoreError(.invalidInput, "a lease owner must be named (e.g. host:pid)") }
        guard duration > .zero else { throw StoreError(.invalidInput, "lease duration \(duration) must be positive") }
    }

    static func maxAttempts(_ value: Int) throws(StoreError) {
        guard value >= 1 else { throw StoreError(.invalidInput, "maxAttempts \(value) must be at least 1") }
    }

    static func retryAfter(_ delay: Duration) throws(StoreError) {
        guard delay >= .zero else { throw StoreError(.invalidInput, "retry delay \(delay) must not be negative") }
    }

    static func cost(cpu: Double, wall: Double) throws(StoreError) {
        guard cpu.isFinite, wall.isFinite, cpu >= 0, wall >= 0 else {
            throw StoreError(.invalidInput, "task cost (cpu \(cpu) s, wall \(wall) s) must be finite and non-negative")
        }
    }

    /// Refuses text that is not JSON (object, array or scalar); nil passes.
    static func json(_ text: String?, _ what: String) throws(StoreError) {
        guard let text, !isJSON(text) else { return }
        throw StoreError(.invalidInput, "\(what) is not JSON: \(text.prefix(80))")
    }

    static func isJSON(_ text: String) -> Bool {
        guard let data = text.data(using: .utf8) else { return false }
        return (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) != nil
    }

    /// The longest annotation in a batch; the window query's lower bound on `start` depends on it.
    static func longest(_ annotations: some Sequence<Annotation>) -> Double {
        annotations.reduce(0) { max($0, $1.end - $1.start) }
    }
}

extension Duration {
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) * 1e-18
    }
}
