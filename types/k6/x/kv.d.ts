// TypeScript declarations for rk6's `k6/x/kv` module (the shared key-value store).
//
// An ambient module: include this file in a project (tsconfig/jsconfig "include" or
// "files") or reference it with `/// <reference path=".../types/k6/x/kv.d.ts" />`; see the
// README's k6/x/kv section. tests/kv_types.rs keeps it in step with runtime-js/kv.js.

declare module "k6/x/kv" {
  /** `"memory"`: one store per process, gone at exit. `"disk"`: an LMDB file, durable. */
  export type Backend = "memory" | "disk";

  /** How values are stored: JSON text (any JSON data), or `String(value)`. */
  export type Serialization = "json" | "string";

  /**
   * What an acknowledged disk write survives. `"full"`: power loss and OS crashes (each
   * commit waits for the disk). `"process"`: the rk6 process being killed, even with
   * `kill -9`, but not an OS crash or power loss; much faster writes.
   */
  export type Durability = "full" | "process";

  export interface OpenKvOptions {
    /** Default `"disk"`. */
    backend?: Backend;
    /** The store file of the disk backend; default `.k6.kv`. Disk only. */
    path?: string;
    /** Default `"json"`. */
    serialization?: Serialization;
    /**
     * Default `"full"`. Disk only. Every openKv() of one path in a process must give the
     * same one (else InvalidOptionsError).
     */
    durability?: Durability;
    /** Per-operation metrics (counter, duration trend, failure rate; tags `op`, `backend`). */
    metrics?: { operations?: boolean };
  }

  /**
   * Opens (or joins) the store; init context only. `V` is the type of the values the
   * script stores (`any` unless given).
   */
  export function openKv<V = any>(options?: OpenKvOptions): KV<V>;

  const kv: { openKv: typeof openKv };
  export default kv;

  export interface Entry<V = any> {
    key: string;
    value: V;
  }

  /** A key's entry with its versionstamp; both `value` and `versionstamp` are `null` when absent. */
  export interface VersionedEntry<V = any> {
    key: string;
    value: V | null;
    versionstamp: string | null;
  }

  export interface SetOptions {
    /** Milliseconds until the key expires; expired keys are invisible to every read. */
    expireIn?: number;
  }

  export interface ListOptions {
    /** Keys starting with this (`""`: all). */
    prefix?: string;
    /** At most this many entries; missing or ≤ 0: all. A whole number. */
    limit?: number;
    /** Keys ≥ this. */
    start?: string;
    /** Keys < this. */
    end?: string;
    /** Highest key first. */
    reverse?: boolean;
  }

  export interface ScanOptions extends ListOptions {
    /** The `cursor` of the previous page; `""` or missing starts a scan. */
    cursor?: string;
  }

  export interface ScanPage<V = any> {
    entries: Entry<V>[];
    /** Pass to the next `scan`; `""` on the last page. */
    cursor: string;
    done: boolean;
  }

  export interface PrefixOptions {
    prefix?: string;
  }

  export interface ClaimRandomOptions {
    prefix?: string;
    /** Who holds the claim (informational). */
    owner?: string;
    /** Milliseconds the claim lives; default 30000. */
    ttl?: number;
  }

  export interface Claim<V = any> {
    id: string;
    key: string;
    token: string;
    owner: string;
    /** Milliseconds since the Unix epoch. */
    expiresAt: number;
    entry: Entry<V>;
  }

  export interface CompleteClaimOptions {
    /** Delete the claimed key; default `true`. */
    deleteKey?: boolean;
  }

  export interface Stats {
    backend: Backend;
    serialization: Serialization;
    count: number;
    claims: { live: number; expired: number };
    /** Disk backend only. */
    disk?: { path: string; sizeBytes: number };
  }

  export interface BackupOptions {
    /** The snapshot file (JSON lines); relative to the working directory. Required. */
    fileName: string;
    /** Accepted for compatibility; rk6's backups are always consistent. */
    allowConcurrentWrites?: boolean;
  }

  export interface BackupSummary {
    totalEntries: number;
    bytesWritten: number;
    /** Always `false`: the snapshot is one consistent view. */
    bestEffort: boolean;
    fileName: string;
  }

  export interface RestoreOptions {
    /** A snapshot written by `backup()` or `rk6 kv backup`; required. */
    fileName: string;
    /** Refuse snapshots with more entries (≤ 0: no limit). */
    maxEntries?: number;
    /** Refuse snapshots with more bytes of keys and values (≤ 0: no limit). */
    maxBytes?: number;
  }

  export interface RestoreSummary {
    totalEntries: number;
    bytesRead: number;
    fileName: string;
    /** The backend the snapshot was taken from. */
    sourceBackend: Backend;
  }

  export type AtomicCommitResult = { ok: true; versionstamp: string } | { ok: false };

  /** Deno KV style atomic operation: all-or-nothing, serializable, across keys. */
  export interface AtomicOperation<V = any> {
    /** Commit only if `key`'s versionstamp is still this (`null`: only if absent). */
    check(key: string, versionstamp: string | null): AtomicOperation<V>;
    /** The same with entries from `getEntry()`, each checked against its own versionstamp. */
    check(...entries: Array<{ key: string; versionstamp: string | null }>): AtomicOperation<V>;
    set(key: string, value: V, options?: SetOptions): AtomicOperation<V>;
    delete(key: string): AtomicOperation<V>;
    /** Adds `n` to the number stored under `key` (a missing key counts as 0). */
    sum(key: string, n: number): AtomicOperation<V>;
    commit(): Promise<AtomicCommitResult>;
  }

  export interface KV<V = any> {
    /** Resolves to `value`. */
    set<T extends V>(key: string, value: T, options?: SetOptions): Promise<T>;
    /** Rejects with `KeyNotFoundError` when the key is absent. */
    get(key: string): Promise<V>;
    getEntry(key: string): Promise<VersionedEntry<V>>;
    /** Resolves whether or not the key existed. */
    delete(key: string): Promise<void>;
    exists(key: string): Promise<boolean>;
    list(options?: ListOptions): Promise<Entry<V>[]>;
    scan(options?: ScanOptions): Promise<ScanPage<V>>;
    count(options?: PrefixOptions): Promise<number>;
    /** Synchronous. */
    size(): number;
    clear(): Promise<void>;

    /** The new number; a missing key counts as 0. */
    incrementBy(key: string, delta: number): Promise<number>;
    getOrSet(key: string, value: V): Promise<{ value: V; loaded: boolean }>;
    swap(key: string, value: V): Promise<{ previous: V | null; loaded: boolean }>;
    /** `oldValue` `null`/`undefined`: only if absent. Values compare by serialized form. */
    compareAndSwap(key: string, oldValue: V | null | undefined, newValue: V): Promise<boolean>;
    setIfAbsent(key: string, value: V): Promise<boolean>;
    deleteIfExists(key: string): Promise<boolean>;
    compareAndDelete(key: string, oldValue: V): Promise<boolean>;

    /** A random matching key, or `""` when none matches. */
    randomKey(options?: PrefixOptions): Promise<string>;
    /** Picks and removes a random matching entry atomically; `null` when none. */
    popRandom(options?: PrefixOptions): Promise<Entry<V> | null>;
    claimRandom(options?: ClaimRandomOptions): Promise<Claim<V> | null>;
    releaseClaim(claim: Claim<V>): Promise<boolean>;
    completeClaim(claim: Claim<V>, options?: CompleteClaimOptions): Promise<boolean>;

    stats(): Promise<Stats>;
    backup(options: BackupOptions): Promise<BackupSummary>;
    restore(options: RestoreOptions): Promise<RestoreSummary>;
    atomic(): AtomicOperation<V>;
    /** Synchronous; later calls reject with `StoreClosedError`. */
    close(): void;
  }

  // Error classes: match on `err.name` (or `instanceof`).
  export class KeyNotFoundError extends Error {}
  export class KeyRequiredError extends Error {}
  export class KeyTooLargeError extends Error {}
  export class InvalidKeyError extends Error {}
  export class SerializationError extends Error {}
  export class InvalidOptionsError extends Error {}
  export class StoreOpenError extends Error {}
  export class BackendError extends Error {}
  export class StoreClosedError extends Error {}
  export class WriteTimeoutError extends Error {}
  export class NotANumberError extends Error {}
  export class SnapshotError extends Error {}
  export class SnapshotNotFoundError extends Error {}
  export class SnapshotPermissionError extends Error {}
  export class SnapshotIOError extends Error {}
  export class SnapshotBudgetExceededError extends Error {}
}
