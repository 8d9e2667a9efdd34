import Foundation
import PlayheadCore

/// A request to compute features for one media, split into ``JobTask``s (chunks) that workers lease.
public struct Job: Sendable, Hashable, Codable, Identifiable {
    public enum State: String, Sendable, Codable, CaseIterable {
        case queued, running, succeeded, failed, cancelled
    }

    public var id: UUID
    public var media: MediaID
    public var features: [Feature]
    public var state: State
    public var createdAt: Date
    public var updatedAt: Date
    public var error: String?
    /// How to compute the features (JSON written by the job's creator, read by workers).
    public var parameters: String?

    public init(id: UUID, media: MediaID, features: [Feature], state: State, createdAt: Date, updatedAt: Date, error: String?,
                parameters: String? = nil) {
        self.id = id
        self.media = media
        self.features = features
        self.state = state
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.error = error
        self.parameters = parameters
    }
}

/// One chunk of a ``Job``: the unit a worker leases, checkpoints and completes.
public struct JobTask: Sendable, Hashable, Codable, Identifiable {
    public enum State: String, Sendable, Codable, CaseIterable {
        case queued, leased, succeeded, failed
    }

    public var id: UUID
    public var job: UUID
    public var chunk: TimeRange
    public var state: State
    public var leaseOwner: String?
    public var leaseExpiresAt: Date?
    /// How many times the task has been leased, counting the current lease.
    public var attempts: Int
    /// Checkpoint: frames of the chunk already processed and saved.
    public var framesDone: Int
    public var error: String?
    public var cpuSeconds: Double
    public var wallSeconds: Double
    /// What the worker computed (JSON), set when the task succeeds.
    public var output: String?
    /// Partial output saved with the lease renewals, from which a re-leased task resumes.
    public var checkpoint: String?

    public init(id: UUID, job: UUID, chunk: TimeRange, state: State, leaseOwner: String?, leaseExpiresAt: Date?,
                attempts: Int, framesDone: Int, error: String?, cpuSeconds: Double, wallSeconds: Double,
                output: String? = nil, checkpoint: String? = nil) {
        self.id = id
        self.job = job
        self.chunk = chunk
        self.state = state
        self.leaseOwner = leaseOwner
        self.leaseExpiresAt = leaseExpiresAt
        self.attempts = attempts
        self.framesDone = framesDone
        self.error = error
        self.cpuSeconds = cpuSeconds
        self.wallSeconds = wallSeconds
        self.output = output
        self.checkpoint = checkpoint
    }
}

/// Features computed automatically for every media added to the catalog.
public struct Pipeline: Sendable, Hashable, Codable {
    public var name: String
    /// What to compute and how (JSON).
    public var parameters: String
    public var createdAt: Date

    public init(name: String, parameters: String, createdAt: Date) {
        self.name = name
        self.parameters = parameters
        self.createdAt = createdAt
    }
}
