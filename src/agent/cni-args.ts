/**
 * CNI_ARGS (`K=V;K2=V2`, CNI spec §Parameters) read strictly, as libcni does: a pair without
 * exactly one "=" or with an empty key is an error naming the pair, never silently dropped.
 */
import { CniError } from './cni-error.js'
import { CNI_ERROR_CODES } from './protocol.js'

export type CniArgPairs = ReadonlyArray<readonly [string, string]>

/** The pod identity kubelet passes (K8S_POD_UID is optional, as in Multus). */
export interface PodArgs {
  readonly namespace: string
  readonly name: string
  readonly uid: string | undefined
  readonly infraContainerId: string | undefined
}

export function parseCniArgs(text: string): CniArgPairs {
  if (text === '') return []
  const pairs: [string, string][] = []
  text.split(';').forEach((pair, i) => {
    if (pair === '') return // a trailing ";" is common and harmless
    const parts = pair.split('=')
    if (parts.length !== 2 || parts[0] === '') {
      throw new CniError(
        CNI_ERROR_CODES.invalidEnv,
        `CNI_ARGS: pair ${i + 1} ${JSON.stringify(pair)} is not KEY=VALUE (one "=", a non-empty key)`,
      )
    }
    pairs.push([parts[0]!, parts[1]!])
  })
  return pairs
}

/** The K8S_POD_* arguments; `required` makes a missing namespace or name an error. */
export function podArgsOf(pairs: CniArgPairs): PodArgs | undefined {
  const get = (key: string): string | undefined => {
    const found = pairs.find(([k]) => k === key)
    return found === undefined || found[1] === '' ? undefined : found[1]
  }
  const namespace = get('K8S_POD_NAMESPACE')
  const name = get('K8S_POD_NAME')
  if (namespace === undefined || name === undefined) return undefined
  return {
    namespace,
    name,
    uid: get('K8S_POD_UID'),
    infraContainerId: get('K8S_POD_INFRA_CONTAINER_ID'),
  }
}

export function requirePodArgs(pairs: CniArgPairs): PodArgs {
  const pod = podArgsOf(pairs)
  if (pod === undefined) {
    const missing = ['K8S_POD_NAMESPACE', 'K8S_POD_NAME'].filter(
      (k) => !pairs.some(([key, v]) => key === k && v !== ''),
    )
    throw new CniError(
      CNI_ERROR_CODES.invalidEnv,
      `CNI_ARGS lacks ${missing.join(' and ')}: the agent attaches Kubernetes pods only (kubelet sets these)`,
    )
  }
  return pod
}

/**
 * The runtime's CNI_ARGS for a delegate, with `IgnoreUnknown=1` first when missing: the reference
 * plugins refuse K8S_POD_* otherwise ("ARGS: unknown args"), and not every runtime sets it.
 */
export function delegateArgs(args: CniArgPairs): CniArgPairs {
  return args.some(([k]) => k === 'IgnoreUnknown') ? args : [['IgnoreUnknown', '1'], ...args]
}

export function formatCniArgs(pairs: CniArgPairs): string {
  return pairs.map(([k, v]) => `${k}=${v}`).join(';')
}
