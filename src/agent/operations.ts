/**
 * The CNI commands the shim forwards, performed for one sandbox:
 *
 * ADD: pod (UID checked) -> selections parsed by the spec code -> NADs resolved -> plan
 * persisted -> each delegate ADDed in order, its result persisted -> default-route applied ->
 * network-status written -> the primary's result returned. Any failure rolls back in reverse
 * order, the failed delegate included (a failed ADD leaves debris, research note §4.3), and
 * fails the ADD naming the network and plugin.
 *
 * DEL: from the persisted plan only (the pod and the API server may be gone; CNI_NETNS may be
 * empty on containerd's second DEL), reverse order, idempotent; the plan is removed only when
 * every delegate DEL succeeded. CHECK, STATUS and GC per CNI 1.1.
 */
import type { Logger } from 'pino'
import { messageOf } from '../errors.js'
import { errorsOf, formatFinding } from '../spec/finding.js'
import { isObject } from '../spec/object.js'
import { parseDefaultNetwork, parseSelections } from '../spec/selection.js'
import { ANNOTATIONS, type SelectionElement } from '../spec/types.js'
import type { CniResult, ExecOptions, RuntimeConf, ValidAttachment } from './cni/types.js'
import {
  delegateArgs,
  parseCniArgs,
  podArgsOf,
  requirePodArgs,
  type CniArgPairs,
} from './cni-args.js'
import { CniError, delegateError } from './cni-error.js'
import { applyDefaultRoute, rewriteRoutes } from './default-route.js'
import type { OperationDeps, PodInfo } from './deps.js'
import {
  buildPlan,
  MAX_DELETE_ATTEMPTS,
  networkNameOf,
  type Plan,
  type PlannedAttachment,
} from './plan.js'
import { checkContainerId } from './plan-store.js'
import { CNI_ERROR_CODES, CNI_VERSIONS, type CniEnv } from './protocol.js'
import { resolveNetwork, type ResolveContext } from './resolve.js'
import { convertResult } from './cni/index.js'
import { statusEntries } from './status-entries.js'

export interface CniOperation {
  readonly env: CniEnv
  readonly config: Readonly<Record<string, unknown>>
}

const DEFAULT_CNI_VERSION = '1.0.0'

export function cniVersionOf(config: Readonly<Record<string, unknown>>): string {
  return typeof config.cniVersion === 'string' && config.cniVersion !== ''
    ? config.cniVersion
    : DEFAULT_CNI_VERSION
}

function required(env: CniEnv, key: keyof CniEnv): string {
  const value = env[key]
  if (value === undefined || value === '') {
    throw new CniError(CNI_ERROR_CODES.invalidEnv, `required env variable ${key} missing`)
  }
  return value
}

export class Operations {
  constructor(private readonly deps: OperationDeps) {}

  private exec(): ExecOptions {
    const { binDirs, delegateTimeoutMs, signal } = this.deps
    return signal === undefined
      ? { binDirs, timeoutMs: delegateTimeoutMs }
      : { binDirs, timeoutMs: delegateTimeoutMs, signal }
  }

  private runtime(plan: Plan, a: PlannedAttachment, netns: string): RuntimeConf {
    return {
      containerId: plan.containerId,
      netns,
      ifName: a.ifName,
      args: delegateArgs(plan.args),
      capabilityArgs: a.capabilityArgs,
    }
  }

  /** ADD: returns the primary's result in the runtime's cniVersion. */
  async add(op: CniOperation): Promise<Record<string, unknown>> {
    const containerId = required(op.env, 'CNI_CONTAINERID')
    checkContainerId(containerId)
    const netns = required(op.env, 'CNI_NETNS')
    const ifName = required(op.env, 'CNI_IFNAME')
    const version = cniVersionOf(op.config)
    if (!(CNI_VERSIONS as readonly string[]).includes(version)) {
      // Checked first: a result we could not write back must not leave attachments behind.
      throw new CniError(
        CNI_ERROR_CODES.incompatibleVersion,
        `cniVersion ${version} is not supported (supported: ${CNI_VERSIONS.join(', ')})`,
      )
    }
    const args = parseCniArgs(op.env.CNI_ARGS ?? '')
    const podArgs = requirePodArgs(args)
    const log = this.deps.logger.child({
      containerId,
      pod: `${podArgs.namespace}/${podArgs.name}`,
      command: 'ADD',
    })
    const pod = await this.lookupPod(podArgs.namespace, podArgs.name, podArgs.uid)
    const prior = await this.deps.store.read(containerId)
    if (prior.kind === 'found') {
      // CNI forbids a second ADD without DEL; a runtime retry after our crash can still do it.
      log.warn('a plan exists for this container already: tearing it down before the new ADD')
      await this.teardown(prior.plan, prior.plan.netns, log).catch((err: unknown) =>
        log.warn({ err: messageOf(err) }, 'teardown of the earlier plan failed; continuing'),
      )
    }
    const plan = await this.plan(op, { containerId, netns, ifName, args, pod })
    log.info(
      { networks: plan.attachments.map((a) => `${a.network}@${a.ifName}`) },
      'attachment plan built',
    )
    for (const [i, a] of plan.attachments.entries()) {
      const alog = log.child({ network: a.network, ifName: a.ifName })
      // The intent record, durable before the delegate runs (the first one is the whole plan,
      // before any): whatever the delegate makes, a DEL after a crash or a power cut finds it
      // marked and tears it down. It also carries the results of the attachments before it.
      a.state = 'adding'
      await this.deps.store.write(plan)
      const started = performance.now()
      try {
        const list = this.deps.toList(a.config)
        const result = await this.deps.cni.addNetworkList(
          list,
          this.runtime(plan, a, netns),
          this.exec(),
        )
        await applyDefaultRoute(a, netns, this.deps.routes)
        a.result = rewriteRoutes(a, result)
        a.state = 'added'
        // Not persisted here: the next intent record carries the result, and after the last
        // delegate the record goes out together with network-status (below).
        this.deps.metrics.attached(a.network, (performance.now() - started) / 1000, true)
        alog.info({ ips: a.result.ips?.map((ip) => ip.address) }, 'attached')
      } catch (err) {
        this.deps.metrics.attached(a.network, (performance.now() - started) / 1000, false)
        a.state = 'failed'
        a.error = messageOf(err)
        alog.error({ err: messageOf(err) }, 'delegate ADD failed; rolling back')
        await this.rollback(plan, i, netns, log)
        throw delegateError(`${a.network}@${a.ifName}`, 'adding', err)
      }
    }
    const entries = statusEntries(plan.attachments)
    // The last result is written without fsync, at the same time as network-status: a crash of
    // the agent keeps it (the kernel has it); a power cut, which takes the pod's netns with it,
    // may leave the last attachment `adding`, which a DEL tears down all the same.
    const [saved, status] = await Promise.allSettled([
      this.deps.store.write(plan, { durable: false }),
      this.deps.status.write(pod, entries),
    ])
    if (saved.status === 'rejected') {
      log.error(
        { err: messageOf(saved.reason) },
        'cannot persist the attachment plan; rolling back',
      )
      await this.rollback(plan, plan.attachments.length - 1, netns, log)
      throw new CniError(
        CNI_ERROR_CODES.ioFailure,
        `cannot persist the attachment plan of container ${containerId}: ${messageOf(saved.reason)}`,
      )
    }
    try {
      if (status.status === 'rejected') throw status.reason
      const written = status.value
      this.deps.metrics.statusWritten(written ? 'ok' : 'pod-gone')
      if (!written) log.warn('pod gone before network-status could be written')
    } catch (err) {
      this.deps.metrics.statusWritten('error')
      log.error({ err: messageOf(err) }, 'cannot write network-status; rolling back')
      await this.rollback(plan, plan.attachments.length - 1, netns, log)
      throw new CniError(
        CNI_ERROR_CODES.podLookup,
        `cannot write ${ANNOTATIONS.networkStatus} on pod ${pod.namespace}/${pod.name}: ${messageOf(err)}`,
      )
    }
    for (const a of plan.attachments) {
      if (a.primary) continue
      const ips = a.result?.ips?.map((ip) => ip.address) ?? []
      this.deps.events?.addedInterface(pod, `Add ${a.ifName} [${ips.join(',')}] from ${a.network}`)
    }
    const primary = plan.attachments[0]!
    return convertResult(primary.result!, plan.cniVersion)
  }

  private async lookupPod(namespace: string, name: string, uid: string | undefined) {
    let pod: PodInfo | undefined
    try {
      pod = await this.deps.pods.getPod(namespace, name, uid)
    } catch (err) {
      throw new CniError(
        CNI_ERROR_CODES.podLookup,
        `cannot read pod ${namespace}/${name}: ${messageOf(err)}`,
      )
    }
    if (pod === undefined) {
      throw new CniError(CNI_ERROR_CODES.podLookup, `pod ${namespace}/${name} not found`)
    }
    if (uid !== undefined && pod.uid !== uid) {
      throw new CniError(
        CNI_ERROR_CODES.podLookup,
        `pod ${namespace}/${name} has UID ${pod.uid}, but the runtime asks for UID ${uid} (the pod was recreated)`,
      )
    }
    return pod
  }

  private async plan(
    op: CniOperation,
    rt: { containerId: string; netns: string; ifName: string; args: CniArgPairs; pod: PodInfo },
  ): Promise<Plan> {
    const primary = this.deps.primary.current()
    if (primary === undefined) {
      throw new CniError(
        CNI_ERROR_CODES.tryAgainLater,
        `no primary network config yet (${this.deps.primary.describe()})`,
      )
    }
    const { pod } = rt
    const annotations = pod.annotations
    const ctx = (path: string): ResolveContext => ({
      podNamespace: pod.namespace,
      podName: pod.name,
      path,
      deviceCursor,
    })
    const deviceCursor = new Map<string, number>()
    let defaultElement: SelectionElement | undefined
    const defaultText = annotations[ANNOTATIONS.defaultNetwork]
    if (defaultText !== undefined && defaultText.trim() !== '') {
      const parsed = parseDefaultNetwork(defaultText, pod.namespace)
      failOnErrors(ANNOTATIONS.defaultNetwork, parsed.findings)
      defaultElement = parsed.element
    }
    const selections = parseSelections(annotations[ANNOTATIONS.networks] ?? '', pod.namespace)
    failOnErrors(ANNOTATIONS.networks, selections.findings)
    const defaultNetwork =
      defaultElement === undefined
        ? undefined
        : await resolveNetwork(defaultElement, this.deps.sources, ctx('default-network'))
    const networks = []
    for (const [i, el] of selections.elements.entries()) {
      networks.push(await resolveNetwork(el, this.deps.sources, ctx(`networks[${i}]`)))
    }
    const runtimeConfig = isObject(op.config.runtimeConfig) ? op.config.runtimeConfig : {}
    return buildPlan({
      containerId: rt.containerId,
      netns: rt.netns,
      ifName: rt.ifName,
      args: rt.args,
      pod: { namespace: pod.namespace, name: pod.name, uid: pod.uid },
      cniVersion: cniVersionOf(op.config),
      primary: { ...primary },
      runtimeConfig,
      ...(defaultNetwork && { defaultNetwork }),
      networks,
    })
  }

  /** Undo attachments `upTo`..0 in reverse order; failures are logged (DEL will retry). */
  private async rollback(plan: Plan, upTo: number, netns: string, log: Logger): Promise<void> {
    for (let j = upTo; j >= 0; j--) {
      const a = plan.attachments[j]!
      try {
        await this.delOne(plan, a, netns)
      } catch (err) {
        log.warn(
          { network: a.network, ifName: a.ifName, err: messageOf(err) },
          'rollback DEL failed; the runtime DEL retries it from the plan',
        )
      }
    }
    // Best effort: a plan that cannot be written now leaves the earlier record on disk, from
    // which the runtime's DEL repeats these DELs (idempotent); the ADD's own error is the answer.
    await this.deps.store
      .write(plan)
      .catch((err: unknown) =>
        log.error(
          { err: messageOf(err) },
          'cannot persist the rolled-back plan; DEL works from the earlier record',
        ),
      )
  }

  private async delOne(plan: Plan, a: PlannedAttachment, netns: string): Promise<void> {
    const started = performance.now()
    try {
      await this.deps.cni.delNetworkList(
        this.deps.toList(a.config),
        this.runtime(plan, a, netns),
        a.result,
        this.exec(),
      )
      a.state = 'deleted'
      this.deps.metrics.detached(a.network, (performance.now() - started) / 1000, true)
    } catch (err) {
      this.deps.metrics.detached(a.network, (performance.now() - started) / 1000, false)
      throw err
    }
  }

  /**
   * DEL every attachment that got past `planned`, in reverse. The plan is kept when a DEL of an
   * attachment that was (or may have been) attached fails, for the runtime's retry; a DEL
   * failure of an attachment whose ADD failed is only logged (some plugins cannot DEL what they
   * never finished: macvlan with a missing master), as is everything after MAX_DELETE_ATTEMPTS.
   */
  private async teardown(plan: Plan, netns: string, log: Logger): Promise<void> {
    const failures: string[] = []
    for (const a of [...plan.attachments].reverse()) {
      if (a.state === 'planned') continue
      const wasFailed = a.state === 'failed'
      try {
        await this.delOne(plan, a, netns)
        log.info({ network: a.network, ifName: a.ifName }, 'detached')
      } catch (err) {
        const message = delegateError(`${a.network}@${a.ifName}`, 'deleting', err).message
        if (wasFailed) {
          log.warn(
            { network: a.network, ifName: a.ifName, err: messageOf(err) },
            'DEL of an attachment whose ADD failed also failed; not retried',
          )
          continue
        }
        failures.push(message)
        log.error({ network: a.network, ifName: a.ifName, err: messageOf(err) }, 'DEL failed')
      }
    }
    if (failures.length === 0) {
      await this.deps.store.remove(plan.containerId)
      return
    }
    plan.deleteAttempts = (plan.deleteAttempts ?? 0) + 1
    if (plan.deleteAttempts >= MAX_DELETE_ATTEMPTS) {
      log.error(
        { attempts: plan.deleteAttempts, failures },
        'DEL keeps failing; giving up and dropping the plan (resources of these networks may leak)',
      )
      await this.deps.store.remove(plan.containerId)
      return
    }
    await this.deps.store.write(plan)
    throw new CniError(
      CNI_ERROR_CODES.delegateFailed,
      `${failures.length} delegate DEL(s) failed; the plan is kept for the retry (attempt ${plan.deleteAttempts} of ${MAX_DELETE_ATTEMPTS}): ${failures.join('; ')}`,
    )
  }

  async del(op: CniOperation): Promise<void> {
    const containerId = required(op.env, 'CNI_CONTAINERID')
    checkContainerId(containerId)
    const netns = op.env.CNI_NETNS ?? ''
    let args: CniArgPairs = []
    try {
      args = parseCniArgs(op.env.CNI_ARGS ?? '')
    } catch {
      // DEL works from the plan; a bad CNI_ARGS must not strand a sandbox.
    }
    const podArgs = podArgsOf(args)
    const log = this.deps.logger.child({
      containerId,
      pod: podArgs ? `${podArgs.namespace}/${podArgs.name}` : undefined,
      command: 'DEL',
    })
    const read = await this.deps.store.read(containerId)
    if (read.kind === 'missing') {
      log.info('no plan for this container: nothing attached, or already deleted')
      return
    }
    if (read.kind === 'corrupt') {
      this.deps.metrics.corruptPlan()
      log.error(
        { reason: read.reason, movedTo: read.movedTo },
        'plan file is corrupt; moved aside; deleting the primary network only (secondary attachments of this sandbox may leak)',
      )
      await this.primaryOnlyDel(containerId, netns, op.env.CNI_IFNAME || 'eth0', args, log)
      return
    }
    const plan = read.plan
    if (podArgs?.uid !== undefined && podArgs.uid !== plan.pod.uid) {
      log.warn(
        { planUid: plan.pod.uid, argsUid: podArgs.uid },
        'CNI_ARGS names another pod UID than the plan; deleting what the plan holds',
      )
    }
    await this.teardown(plan, netns, log)
  }

  /** Best effort for a sandbox whose plan is unreadable: free the primary's resources. */
  private async primaryOnlyDel(
    containerId: string,
    netns: string,
    ifName: string,
    args: CniArgPairs,
    log: Logger,
  ): Promise<void> {
    const primary = this.deps.primary.current()
    if (primary === undefined) return
    try {
      await this.deps.cni.delNetworkList(
        this.deps.toList(primary),
        { containerId, netns, ifName, args: delegateArgs(args), capabilityArgs: {} },
        undefined,
        this.exec(),
      )
    } catch (err) {
      log.error({ err: messageOf(err) }, 'primary DEL without a plan failed')
    }
  }

  async check(op: CniOperation): Promise<void> {
    const containerId = required(op.env, 'CNI_CONTAINERID')
    checkContainerId(containerId)
    const netns = required(op.env, 'CNI_NETNS')
    const read = await this.deps.store.read(containerId)
    if (read.kind !== 'found') {
      throw new CniError(
        CNI_ERROR_CODES.containerUnknown,
        read.kind === 'missing'
          ? `no attachment plan for container ${containerId} (CHECK before ADD?)`
          : `attachment plan of container ${containerId} is corrupt: ${read.reason}`,
      )
    }
    const plan = read.plan
    for (const a of plan.attachments) {
      if (a.state !== 'added' || a.result === undefined) {
        throw new CniError(
          CNI_ERROR_CODES.containerUnknown,
          `network ${a.network}@${a.ifName} is not attached (state ${a.state})`,
        )
      }
      try {
        await this.deps.cni.checkNetworkList(
          this.deps.toList(a.config),
          this.runtime(plan, a, netns),
          a.result,
          this.exec(),
        )
      } catch (err) {
        throw delegateError(`${a.network}@${a.ifName}`, 'checking', err)
      }
    }
  }

  async status(): Promise<void> {
    const primary = this.deps.primary.current()
    if (primary === undefined) {
      throw new CniError(
        50,
        `the plugin is not available: no primary network config (${this.deps.primary.describe()})`,
      )
    }
    try {
      await this.deps.cni.statusNetworkList(this.deps.toList(primary), this.exec())
    } catch (err) {
      const code = isObject(err) && typeof err.code === 'number' ? err.code : 50
      throw new CniError(
        code === 51 ? 51 : 50,
        `primary network ${networkNameOf(primary)}: ${messageOf(err)}`,
      )
    }
  }

  /**
   * GC (CNI 1.1): sandboxes whose plan is not among the runtime's valid attachments are torn
   * down from their plan; then every network still in use gets GC with the attachments the
   * plans hold for it (the runtime only knows our own network's attachments).
   */
  async gc(op: CniOperation): Promise<void> {
    const listed = op.config['cni.dev/valid-attachments'] ?? op.config['cni.dev/attachments']
    if (!Array.isArray(listed)) {
      throw new CniError(
        CNI_ERROR_CODES.invalidConfig,
        'GC needs "cni.dev/valid-attachments": a list of {containerID, ifname}',
      )
    }
    const valid = new Set(
      listed.flatMap((v) =>
        isObject(v) && typeof v.containerID === 'string' ? [v.containerID] : [],
      ),
    )
    const log = this.deps.logger.child({ command: 'GC' })
    const failures: string[] = []
    const byNetwork = new Map<
      string,
      { config: PlannedAttachment['config']; valid: ValidAttachment[] }
    >()
    for (const id of await this.deps.store.list()) {
      const read = await this.deps.store.read(id)
      if (read.kind !== 'found') continue
      if (!valid.has(id)) {
        log.info({ containerId: id }, 'stale sandbox: deleting its attachments')
        // The sandbox's netns may still exist; plugins treat a vanished one as done.
        await this.teardown(read.plan, read.plan.netns, log).catch((err: unknown) =>
          failures.push(messageOf(err)),
        )
        continue
      }
      for (const a of read.plan.attachments) {
        const entry = byNetwork.get(a.network) ?? { config: a.config, valid: [] }
        entry.valid.push({ containerID: id, ifname: a.ifName })
        byNetwork.set(a.network, entry)
      }
    }
    const primary = this.deps.primary.current()
    if (primary !== undefined && !byNetwork.has(networkNameOf(primary))) {
      byNetwork.set(networkNameOf(primary), { config: primary, valid: [] })
    }
    for (const [network, { config, valid: attachments }] of byNetwork) {
      try {
        await this.deps.cni.gcNetworkList(this.deps.toList(config), attachments, this.exec())
      } catch (err) {
        failures.push(`network ${network}: ${messageOf(err)}`)
      }
    }
    if (failures.length > 0) {
      throw new CniError(CNI_ERROR_CODES.delegateFailed, `GC: ${failures.join('; ')}`)
    }
  }
}

function failOnErrors(annotation: string, findings: Parameters<typeof errorsOf>[0]): void {
  const errors = errorsOf(findings)
  if (errors.length === 0) return
  throw new CniError(
    CNI_ERROR_CODES.invalidConfig,
    `pod annotation ${annotation} is invalid: ${errors.map(formatFinding).join('; ')}`,
  )
}

export type { CniResult }
