import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { SourceCounters, StateStats } from '../cluster/source.js'
import { ERRORS, type MultinetError } from '../errors.js'
import { RULES } from '../spec/finding.js'
import { truncate } from '../spec/limits.js'
import type { CertEvents } from '../tls/cert-source.js'
import type { CertInfo } from '../tls/inspect.js'
import type { Outcome } from '../admission/handle.js'

/**
 * Label values come from closed sets: every distinct value is a time series held forever, and
 * the request's resource and subresource are whatever the client wrote (200 requests with
 * random resources grew the process to 2.3 GB). Anything outside the set counts as "other".
 */
const RESOURCES: ReadonlySet<string> = new Set([
  'pods',
  'network-attachment-definitions',
  'configmaps',
])
const SUBRESOURCES: ReadonlySet<string> = new Set(['status', 'ephemeralcontainers', 'binding'])
const OPERATIONS: ReadonlySet<string> = new Set(['CREATE', 'UPDATE', 'DELETE', 'CONNECT'])
const RULE_CODES: ReadonlySet<string> = new Set(Object.keys(RULES))
const ERROR_CODES: ReadonlySet<string> = new Set(Object.keys(ERRORS))
/** Audit rules counted per request (a policy has few; the label set stays bounded by it). */
const MAX_AUDIT_LABELS = 20

function oneOf(known: ReadonlySet<string>, value: string): string {
  return known.has(value) ? value : 'other'
}

/** `pods`, `pods/status`, `configmaps`, ..., or `other`. */
export function resourceLabel(resource: string, subResource: string | undefined): string {
  const base = oneOf(RESOURCES, resource)
  if (subResource === undefined || subResource === '') return base
  return `${base}/${oneOf(SUBRESOURCES, subResource)}`
}

export interface MetricsOptions {
  /** Cache sizes, read at scrape time. */
  readonly stats?: () => StateStats
  /** Process and Node runtime metrics (off in tests that build many registries). */
  readonly defaultMetrics?: boolean
}

/**
 * Every metric the webhook exports, on its own registry (never the global one, so that several
 * servers in one test process do not collide).
 */
export class WebhookMetrics implements CertEvents {
  readonly registry = new Registry()
  private readonly requests: Counter<'endpoint' | 'resource' | 'operation' | 'decision'>
  private readonly duration: Histogram<'endpoint'>
  private readonly denials: Counter<'rule'>
  private readonly audits: Counter<'rule'>
  private readonly errors: Counter<'code'>
  private readonly certExpiry: Gauge
  private readonly reloads: Counter
  private readonly reloadFailures: Counter
  private readonly inFlight: Gauge
  private readonly requestCounters = new Map<string, { inc(): void }>()
  private readonly durations = new Map<string, { observe(value: number): void }>()

  constructor(options: MetricsOptions = {}) {
    const registers = [this.registry]
    this.requests = new Counter({
      name: 'multinet_admission_requests_total',
      help: 'Admission reviews answered, by endpoint, resource, operation and decision (allow, deny, patch).',
      labelNames: ['endpoint', 'resource', 'operation', 'decision'],
      registers,
    })
    this.duration = new Histogram({
      name: 'multinet_admission_duration_seconds',
      help: 'Time from parsed body to response, per endpoint.',
      labelNames: ['endpoint'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    })
    this.denials = new Counter({
      name: 'multinet_admission_denials_total',
      help: 'Denials by the rule code or policy rule that denied.',
      labelNames: ['rule'],
      registers,
    })
    this.audits = new Counter({
      name: 'multinet_admission_audits_total',
      help: 'Policy refusals in audit mode (allowed, only recorded), by rule.',
      labelNames: ['rule'],
      registers,
    })
    this.errors = new Counter({
      name: 'multinet_http_errors_total',
      help: 'Requests answered with an HTTP error instead of an AdmissionReview, by error code.',
      labelNames: ['code'],
      registers,
    })
    this.inFlight = new Gauge({
      name: 'multinet_http_requests_in_flight',
      help: 'HTTPS requests received (headers parsed) and not yet answered or aborted.',
      registers,
    })
    this.certExpiry = new Gauge({
      name: 'multinet_tls_certificate_expiry_timestamp_seconds',
      help: 'notAfter of the serving certificate, in Unix seconds.',
      registers,
    })
    this.reloads = new Counter({
      name: 'multinet_tls_reloads_total',
      help: 'Serving key pairs loaded (the first load included).',
      registers,
    })
    this.reloadFailures = new Counter({
      name: 'multinet_tls_reload_failures_total',
      help: 'Key pair loads refused (unreadable, torn or mismatched); the previous pair kept serving.',
      registers,
    })
    const stats = options.stats
    if (stats !== undefined) {
      new Gauge({
        name: 'multinet_cache_objects',
        help: 'Objects in the cluster-state caches, by kind.',
        labelNames: ['kind'],
        registers,
        collect() {
          const s = stats()
          this.set({ kind: 'nads' }, s.nads)
          this.set({ kind: 'namespaces' }, s.namespaces)
          this.set({ kind: 'policy_configmaps' }, s.policyConfigMaps)
        },
      })
      // The watches' own counters are cumulative in the state; exported as gauges read at scrape
      // time so that a restart of the state source cannot make a counter go backwards unseen.
      const perSource = (name: string, help: string, pick: (c: SourceCounters) => number) =>
        new Gauge({
          name,
          help,
          labelNames: ['resource'],
          registers,
          collect() {
            for (const [resource, c] of Object.entries(stats().sources ?? {})) {
              this.set({ resource }, pick(c))
            }
          },
        })
      perSource(
        'multinet_watch_stale_seconds',
        'Seconds a cluster watch has been down (0 while up); the cache keeps serving meanwhile.',
        (c) => c.staleSeconds,
      )
      perSource(
        'multinet_watch_reconnects',
        'Watches restarted since start, by resource.',
        (c) => c.reconnects,
      )
      perSource(
        'multinet_watch_relists',
        'Full relists since start (410 Gone), by resource.',
        (c) => c.relists,
      )
      perSource(
        'multinet_watch_failures',
        'Failed list or watch attempts since start.',
        (c) => c.failures,
      )
      new Gauge({
        name: 'multinet_policy_errors',
        help: 'Policy ConfigMaps that do not validate; each is replaced by its last valid copy, or fails closed.',
        registers,
        collect() {
          this.set(stats().policyErrors ?? 0)
        },
      })
    }
    if (options.defaultMetrics === true) collectDefaultMetrics({ register: this.registry })
  }

  /** A request's headers arrived; call what this returns once, when its response closes. */
  requestStarted(): () => void {
    this.inFlight.inc()
    return () => this.inFlight.dec()
  }

  observeAdmission(outcome: Outcome, seconds: number): void {
    const decision = !outcome.allowed ? 'deny' : outcome.patched ? 'patch' : 'allow'
    const resource = resourceLabel(outcome.resource, outcome.subResource)
    const operation = oneOf(OPERATIONS, outcome.operation)
    // The label values are bounded (see resourceLabel and oneOf), so this map is too. A child
    // per combination skips prom-client's per-call label hashing on every request.
    const key = `${outcome.endpoint}|${resource}|${operation}|${decision}`
    let counter = this.requestCounters.get(key)
    if (counter === undefined) {
      counter = this.requests.labels({ endpoint: outcome.endpoint, resource, operation, decision })
      this.requestCounters.set(key, counter)
    }
    counter.inc()
    let timer = this.durations.get(outcome.endpoint)
    if (timer === undefined) {
      timer = this.duration.labels({ endpoint: outcome.endpoint })
      this.durations.set(outcome.endpoint, timer)
    }
    timer.observe(seconds)
    if (outcome.deniedBy.length === 0 && outcome.audits.length === 0) return
    for (const rule of new Set(outcome.deniedBy))
      this.denials.inc({ rule: oneOf(RULE_CODES, rule) })
    // Audit labels are the names of policy rules: admin-written, so bounded by the policy, and
    // cut to a label-sized length.
    for (const rule of new Set(outcome.audits.slice(0, MAX_AUDIT_LABELS))) {
      this.audits.inc({ rule: truncate(rule, 63) })
    }
  }

  observeError(code: string): void {
    this.errors.inc({ code: oneOf(ERROR_CODES, code) })
  }

  loaded(info: CertInfo): void {
    this.reloads.inc()
    this.certExpiry.set(Math.floor(info.notAfter.getTime() / 1000))
  }

  failed(_error: MultinetError): void {
    this.reloadFailures.inc()
  }
}
