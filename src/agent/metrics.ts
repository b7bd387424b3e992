/**
 * Every metric the agent exports, on its own registry. Per-network labels use the network's
 * name in network-status (`<namespace>/<nad>` or the primary's CNI name): bounded by the NADs
 * pods on this node use.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { SourceCounters } from '../cluster/source.js'

export interface AgentMetricsOptions {
  /** Queue state, read at scrape time. */
  readonly queue?: () => { active: number; queued: number }
  /** The pod cache's watch health, read at scrape time. */
  readonly podCache?: () => { synced: boolean; size: number; counters: SourceCounters }
  readonly defaultMetrics?: boolean
}

const BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

export class AgentMetrics {
  readonly registry = new Registry()
  private readonly operations: Counter<'command' | 'outcome'>
  private readonly opDuration: Histogram<'command'>
  private readonly attach: Histogram<'network'>
  private readonly detach: Histogram<'network'>
  private readonly attachFailures: Counter<'network'>
  private readonly detachFailures: Counter<'network'>
  private readonly inFlight: Gauge
  private readonly planCorrupt: Counter
  private readonly statusWrites: Counter<'outcome'>
  private readonly physnetProblems: Counter<'network'>
  private readonly physnetPresent: Gauge<'network'>

  constructor(options: AgentMetricsOptions = {}) {
    const registers = [this.registry]
    this.operations = new Counter({
      name: 'multinet_agent_cni_operations_total',
      help: 'CNI operations answered, by command and outcome (ok, error).',
      labelNames: ['command', 'outcome'],
      registers,
    })
    this.opDuration = new Histogram({
      name: 'multinet_agent_cni_operation_duration_seconds',
      help: 'Time from request to answer per CNI command, queueing included.',
      labelNames: ['command'],
      buckets: BUCKETS,
      registers,
    })
    this.attach = new Histogram({
      name: 'multinet_agent_attach_duration_seconds',
      help: 'Delegate ADD time per network (default-route changes included).',
      labelNames: ['network'],
      buckets: BUCKETS,
      registers,
    })
    this.detach = new Histogram({
      name: 'multinet_agent_detach_duration_seconds',
      help: 'Delegate DEL time per network.',
      labelNames: ['network'],
      buckets: BUCKETS,
      registers,
    })
    this.attachFailures = new Counter({
      name: 'multinet_agent_attach_failures_total',
      help: 'Delegate ADDs that failed (the pod ADD was rolled back), per network.',
      labelNames: ['network'],
      registers,
    })
    this.detachFailures = new Counter({
      name: 'multinet_agent_detach_failures_total',
      help: 'Delegate DELs that failed (the plan is kept for the retry), per network.',
      labelNames: ['network'],
      registers,
    })
    this.inFlight = new Gauge({
      name: 'multinet_agent_cni_requests_in_flight',
      help: 'CNI requests received and not yet answered (queued ones included).',
      registers,
    })
    this.planCorrupt = new Counter({
      name: 'multinet_agent_plan_corrupt_total',
      help: 'Plan files that did not parse (moved aside as .corrupt-<ms>).',
      registers,
    })
    this.statusWrites = new Counter({
      name: 'multinet_agent_network_status_writes_total',
      help: 'network-status writes by outcome (ok, pod-gone, error).',
      labelNames: ['outcome'],
      registers,
    })
    this.physnetProblems = new Counter({
      name: 'multinet_agent_physical_network_problems_total',
      help: 'Physical network checks that found the NIC missing, or label syncs that failed.',
      labelNames: ['network'],
      registers,
    })
    this.physnetPresent = new Gauge({
      name: 'multinet_agent_physical_network_present',
      help: '1 when the NIC of a configured physical network exists on this node.',
      labelNames: ['network'],
      registers,
    })
    const queue = options.queue
    if (queue) {
      new Gauge({
        name: 'multinet_agent_queue_length',
        help: 'CNI operations waiting for a free slot (--max-concurrent).',
        registers,
        collect() {
          this.set(queue().queued)
        },
      })
      new Gauge({
        name: 'multinet_agent_operations_running',
        help: 'CNI operations running now.',
        registers,
        collect() {
          this.set(queue().active)
        },
      })
    }
    const podCache = options.podCache
    if (podCache) {
      new Gauge({
        name: 'multinet_agent_pod_cache_synced',
        help: "1 once the node's pod cache has listed.",
        registers,
        collect() {
          this.set(podCache().synced ? 1 : 0)
        },
      })
      new Gauge({
        name: 'multinet_agent_pod_cache_pods',
        help: "Pods in this node's pod cache.",
        registers,
        collect() {
          this.set(podCache().size)
        },
      })
      new Gauge({
        name: 'multinet_agent_pod_cache_stale_seconds',
        help: 'Seconds the pod watch has been down (0 while up).',
        registers,
        collect() {
          this.set(podCache().counters.staleSeconds)
        },
      })
      new Gauge({
        name: 'multinet_agent_pod_cache_failures',
        help: 'Failed pod list or watch attempts since start.',
        registers,
        collect() {
          this.set(podCache().counters.failures)
        },
      })
    }
    if (options.defaultMetrics === true) collectDefaultMetrics({ register: this.registry })
  }

  /** A request arrived; call what this returns once with its outcome when it is answered. */
  operationStarted(command: string): (ok: boolean) => void {
    this.inFlight.inc()
    const end = this.opDuration.startTimer({ command })
    return (ok) => {
      this.inFlight.dec()
      end()
      this.operations.inc({ command, outcome: ok ? 'ok' : 'error' })
    }
  }

  attached(network: string, seconds: number, ok: boolean): void {
    this.attach.observe({ network }, seconds)
    if (!ok) this.attachFailures.inc({ network })
  }

  detached(network: string, seconds: number, ok: boolean): void {
    this.detach.observe({ network }, seconds)
    if (!ok) this.detachFailures.inc({ network })
  }

  corruptPlan(): void {
    this.planCorrupt.inc()
  }

  statusWritten(outcome: 'ok' | 'pod-gone' | 'error'): void {
    this.statusWrites.inc({ outcome })
  }

  physicalNetwork(network: string, present: boolean): void {
    this.physnetPresent.set({ network }, present ? 1 : 0)
    if (!present) this.physnetProblems.inc({ network })
  }

  physicalNetworkProblem(network: string): void {
    this.physnetProblems.inc({ network })
  }
}
