import { convertResult } from './result.js'
import type { CniResult, NetworkConfigList, PluginConf, RuntimeConf } from './types.js'

export interface BuildInput {
  /** The negotiated version: written as `cniVersion`, and the shape of `prevResult`. */
  readonly version: string
  /** ADD/CHECK/DEL: the runtime's capability args, filtered by the plugin's `capabilities`. */
  readonly rt?: RuntimeConf
  readonly prevResult?: CniResult
  /** Extra top-level keys (GC's `cni.dev/valid-attachments`). */
  readonly extra?: Readonly<Record<string, unknown>>
}

/**
 * The runtimeConfig one plugin receives: only the capability args it declares `true` in its
 * `capabilities` (a plugin that did not ask for `mac` never sees the pod's MAC).
 */
export function runtimeConfigFor(
  plugin: PluginConf,
  capabilityArgs: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const rc: Record<string, unknown> = {}
  for (const [cap, enabled] of Object.entries(plugin.capabilities ?? {})) {
    if (enabled === true && capabilityArgs[cap] !== undefined) rc[cap] = capabilityArgs[cap]
  }
  return rc
}

/**
 * One plugin's stdin, as libcni builds it: the plugin entry with the list's `name` and the
 * negotiated `cniVersion`, `runtimeConfig` (only declared capabilities; replaced, never merged)
 * and `prevResult` in that version. A `prevResult` written in the config itself is dropped: only
 * the chain supplies one.
 */
export function buildOneConfig(
  list: NetworkConfigList,
  plugin: PluginConf,
  input: BuildInput,
): Record<string, unknown> {
  const conf: Record<string, unknown> = { ...plugin, name: list.name, cniVersion: input.version }
  delete conf.prevResult
  if (input.rt) {
    const rc = runtimeConfigFor(plugin, input.rt.capabilityArgs)
    if (Object.keys(rc).length > 0) conf.runtimeConfig = rc
  }
  if (input.prevResult) conf.prevResult = convertResult(input.prevResult, input.version)
  return { ...conf, ...input.extra }
}
