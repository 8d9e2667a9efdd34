import Foundation
import PlayheadCore

/// The feature store: media catalog, memoized results and their annotations, and the job queue.
///
/// Two backends implement it with the same behaviour (one shared test suite runs against both):
/// ``SQLiteStore`` (a file, the default) and ``PostgresStore`` (a server, for many workers).
/// Every method validates its input before touching the database and throws only ``StoreError``.
public protocol Store: Sendable {
    /// Brings the schema up to date; running it again is a no-op.
    func migrate() async throws(StoreError)

    // MARK: Media catalog

    /// Adds the media or replaces its location and probe facts.
    func upsertMedia(_ media: MediaRecord) async throws(StoreError)
    /// The catalog entry, or nil when the media was never added.
    func media(_ id: MediaID) async throws(StoreError) -> MediaRecord?
    /// The most recently added media first, at most `limit`.
    func listMedia(limit: Int) async throws(StoreError) -> [MediaRecord]

    // MARK: Memoized results

    /// The record of a result computed earlier under exactly this key, or nil (a miss: compute it).
    func lookup(_ key: ResultKey) async throws(StoreError) -> ResultRecord?
    /// Which of `keys` have a recorded result: one query per media, feature, model and parameters among
    /// them, so a player looking a few seconds ahead pays one round trip instead of one per frame.
    func recorded(_ keys: [ResultKey]) async throws(StoreError) -> Set<ResultKey>
    /// Stores a computed result and its annotations in one transaction.
    ///
    /// Earlier results of the same media, feature, model version and parameters whose ranges overlap
    /// `key.range` are deleted with their annotations in the same transaction, so a reader sees either the
    /// old set or the new one, never a mix. Results of other model versions or other parameters (a 10 fps
    /// interactive pass beside a 5 fps batch one) are kept. Every annotation must carry the key's
    /// feature and model. The media must be in the catalog.
    @discardableResult
    func record(_ key: ResultKey, annotations: [Annotation]) async throws(StoreError) -> ResultRecord
    /// The annotations recorded under `key`, ordered by start; throws `not_found` when nothing was recorded.
    func annotations(for key: ResultKey) async throws(StoreError) -> [Annotation]

    // MARK: Annotations

    /// Annotations of `media` and `feature` overlapping the half-open `window` (`start < window.end` and
    /// `end > window.start`; an instant annotation matches when it lies inside the window), ordered by start.
    /// With `model`, only that model version's; without, every version's.
    func annotations(media: MediaID, feature: Feature, window: TimeRange, model: ModelVersion?) async throws(StoreError) -> [Annotation]
    /// Appends annotations that belong to no memoized result (imports, human review), in one transaction.
    func insertAnnotations(_ annotations: [Annotation], media: MediaID) async throws(StoreError)

    // MARK: Pipelines

    /// Registers (or replaces) a pipeline: features computed for every media added to the catalog from now on.
    /// `parameters` is JSON, opaque to the store.
    func savePipeline(name: String, parameters: String) async throws(StoreError)
    /// Every pipeline, by name.
    func pipelines() async throws(StoreError) -> [Pipeline]
    /// Removes a pipeline; `not_found` when there is none of that name.
    func deletePipeline(name: String) async throws(StoreError)

    // MARK: Jobs and tasks

    /// Creates a queued job with one queued task per chunk; `parameters` (JSON, opaque to the store) tells
    /// workers how to compute the features. A job without chunks (everything was already in the store) is
    /// created succeeded.
    func createJob(media: MediaID, features: [Feature], chunks: [TimeRange], parameters: String?) async throws(StoreError) -> Job
    func job(_ id: UUID) async throws(StoreError) -> Job?
    /// The job's tasks ordered by chunk start.
    func tasks(ofJob id: UUID) async throws(StoreError) -> [JobTask]
    func setJobState(_ id: UUID, _ state: Job.State, error: String?) async throws(StoreError)

    /// Leases the oldest queued task whose retry time has come, or a leased one whose lease expired (its
    /// worker died), to `owner`; of job `job` only when given. Two workers never hold the same task. Nil when
    /// there is nothing to do.
    func leaseNextTask(owner: String, leaseDuration: Duration, job: UUID?) async throws(StoreError) -> JobTask?
    /// Extends the lease and saves the checkpoint (`checkpoint` nil keeps the saved one); `conflict` when
    /// `owner` no longer holds it. A task leased again after its worker died starts from the checkpoint.
    @discardableResult
    func renewLease(task: UUID, owner: String, leaseDuration: Duration, framesDone: Int, checkpoint: String?) async throws(StoreError) -> JobTask
    /// Marks the task succeeded with its cost and output (JSON, opaque to the store); `conflict` when
    /// `owner` no longer holds it, so a worker that lost its lease cannot overwrite the new holder's output.
    func completeTask(task: UUID, owner: String, cpuSeconds: Double, wallSeconds: Double, output: String?) async throws(StoreError)
    /// Releases the task with an error: queued again, leasable after `retryAfter`, while `attempts < maxAttempts`,
    /// else failed.
    func failTask(task: UUID, owner: String, error: String, maxAttempts: Int, retryAfter: Duration) async throws(StoreError)
}

extension Store {
    /// A job without parameters.
    public func createJob(media: MediaID, features: [Feature], chunks: [TimeRange]) async throws(StoreError) -> Job {
        try await createJob(media: media, features: features, chunks: chunks, parameters: nil)
    }

    /// Leases the next task of any job.
    public func leaseNextTask(owner: String, leaseDuration: Duration) async throws(StoreError) -> JobTask? {
        try await leaseNextTask(owner: owner, leaseDuration: leaseDuration, job: nil)
    }

    /// Releases the task with an error, leasable again at once while it has attempts left.
    public func failTask(task: UUID, owner: String, error: String, maxAttempts: Int) async throws(StoreError) {
        try await failTask(task: task, owner: owner, error: error, maxAttempts: maxAttempts, retryAfter: .zero)
    }

    /// Extends the lease and saves the frames done, keeping the saved checkpoint.
    @discardableResult
    public func renewLease(task: UUID, owner: String, leaseDuration: Duration, framesDone: Int) async throws(StoreError) -> JobTask {
        try await renewLease(task: task, owner: owner, leaseDuration: leaseDuration, framesDone: framesDone, checkpoint: nil)
    }

    /// Marks the task succeeded with its cost and no output.
    public func completeTask(task: UUID, owner: String, cpuSeconds: Double, wallSeconds: Double) async throws(StoreError) {
        try await completeTask(task: task, owner: owner, cpuSeconds: cpuSeconds, wallSeconds: wallSeconds, output: nil)
    }

    /// Annotations of every model version overlapping `window`.
    public func annotations(media: MediaID, feature: Feature, window: TimeRange) async throws(StoreError) -> [Annotation] {
        try await annotations(media: media, feature: feature, window: window, model: nil)
    }
}
