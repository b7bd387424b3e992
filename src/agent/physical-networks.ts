/**
 * Physical networks on this node: each configured NIC is checked (`/sys/class/net/<nic>`), and
 * the Node carries `<prefix><network>=true` for exactly the networks whose NIC is present, so
 * the webhook's node selection places pods where their networks exist. Labels with the prefix
 * for networks no longer present (or no longer configured) are removed. Re-checked
 * periodically; problems are logged and counted, never fatal.
 */
import { access } from 'node:fs/promises'
import type { Logger } from 'pino'
import type { NodeLabelClient } from '../cluster/node-labels.js'
import { describeError } from '../cluster/list-watch.js'
import type { AgentMetrics } from './metrics.js'

/** The label changes (merge-patch form: null removes) that make `current` match `present`. */
export function labelDiff(
  current: Readonly<Record<string, string>>,
  present: readonly string[],
  prefix: string,
): Record<string, string | null> {
  const want = new Set(present.map((n) => `${prefix}${n}`))
  const out: Record<string, string | null> = {}
  for (const key of [...want].sort()) if (current[key] !== 'true') out[key] = 'true'
  for (const key of Object.keys(current).sort()) {
    if (key.startsWith(prefix) && !want.has(key)) out[key] = null
  }
  return out
}

export async function nicPresent(nic: string, sysClassNet = '/sys/class/net'): Promise<boolean> {
  return access(`${sysClassNet}/${nic}`).then(
    () => true,
    () => false,
  )
}

export interface PhysicalNetworkSyncOptions {
  readonly networks: Readonly<Record<string, string>>
  readonly prefix: string
  readonly client: NodeLabelClient
  readonly intervalMs: number
  readonly logger: Logger
  readonly metrics: AgentMetrics
  readonly sysClassNet?: string
}

export class PhysicalNetworkSync {
  private timer: NodeJS.Timeout | undefined
  private lastPresent = ''

  constructor(private readonly opts: PhysicalNetworkSyncOptions) {}

  start(): void {
    void this.sync()
    this.timer = setInterval(() => void this.sync(), this.opts.intervalMs)
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
  }

  /** One pass; resolves to the label changes made (empty when in sync), never rejects. */
  async sync(): Promise<Record<string, string | null>> {
    const { networks, prefix, client, logger, metrics } = this.opts
    const present: string[] = []
    for (const [name, nic] of Object.entries(networks).sort(([a], [b]) => a.localeCompare(b))) {
      const ok = await nicPresent(nic, this.opts.sysClassNet)
      metrics.physicalNetwork(name, ok)
      if (ok) present.push(name)
      else logger.warn({ network: name, nic }, 'physical network NIC missing on this node')
    }
    const key = present.join(',')
    if (key !== this.lastPresent) {
      logger.info({ present, configured: Object.keys(networks) }, 'physical networks checked')
    }
    try {
      const changes = labelDiff(await client.labels(), present, prefix)
      if (Object.keys(changes).length > 0) {
        await client.patch(changes)
        logger.info({ changes }, 'node physical-network labels updated')
      }
      this.lastPresent = key
      return changes
    } catch (err) {
      metrics.physicalNetworkProblem('*')
      logger.error({ err: describeError(err) }, 'cannot sync node physical-network labels')
      return {}
    }
  }
}
