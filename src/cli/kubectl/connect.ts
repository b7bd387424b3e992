/**
 * From settings to a ready client, and from API failures to errors that say what to do: no
 * cluster reachable, credentials refused, RBAC forbids (with the verb and resource to grant),
 * the NAD CRD missing.
 */
import { contextNamespace, loadKubeConfig } from '../../cluster/kube-config.js'
import type { KubectlSettings } from '../../config/kubectl-options.js'
import { MultinetError } from '../../errors.js'
import { ApiRequestError, KubeApi } from './api.js'

export interface Connection {
  readonly api: KubeApi
  /** The namespace to look in, or undefined for all (`-A`). */
  readonly namespace: string | undefined
}

export function connect(
  settings: KubectlSettings,
  env: Readonly<Record<string, string | undefined>>,
): Connection {
  const kc = loadKubeConfig({ kubeconfig: settings.kubeconfig, context: settings.context, env })
  const namespace = settings.allNamespaces
    ? undefined
    : (settings.namespace ?? contextNamespace(kc))
  return { api: new KubeApi(kc, settings.requestTimeoutMs), namespace }
}

/** What was being done, for the message: `list pods in namespace app`, `get nodes`. */
export interface Action {
  readonly verb: 'get' | 'list'
  readonly resource: string
  readonly group?: string
  readonly namespace?: string | undefined
}

export function describeAction(a: Action): string {
  const scope = a.namespace === undefined ? '' : ` in namespace ${a.namespace}`
  return `${a.verb} ${a.resource}${scope}`
}

/** An API failure turned into an error that names the action and the remedy. */
export function apiFailure(err: unknown, api: KubeApi, action: Action): unknown {
  if (!(err instanceof ApiRequestError)) return err
  const what = describeAction(action)
  if (err.status === undefined) {
    return new MultinetError(
      'MN_ERR_KUBE_UNREACHABLE',
      `${api.server} (${err.reason}): is the cluster running, and do --kubeconfig/--context point at it?`,
      { cause: err },
    )
  }
  if (err.status === 401) {
    return new MultinetError(
      'MN_ERR_KUBE_FORBIDDEN',
      `${api.server} does not accept the credentials of ${api.user} (HTTP 401: ${err.reason}); log in again or pick another --context`,
      { cause: err },
    )
  }
  if (err.status === 403) {
    const group = action.group ?? ''
    const where =
      action.namespace === undefined
        ? 'a ClusterRole bound with a ClusterRoleBinding'
        : `a Role in namespace ${action.namespace} (or a ClusterRole)`
    return new MultinetError(
      'MN_ERR_KUBE_FORBIDDEN',
      `${api.user} may not ${what} (${err.reason}); ask an admin for ${where} granting verbs [get, list] on resource ${action.resource} in apiGroup "${group}" (docs/cli.md#rbac has a ready one)`,
      { cause: err },
    )
  }
  if (err.status === 404 && action.group === 'k8s.cni.cncf.io' && action.verb === 'list') {
    return new MultinetError(
      'MN_ERR_KUBE_NOT_FOUND',
      `the NetworkAttachmentDefinition CRD (k8s.cni.cncf.io/v1) is not installed in ${api.server}: install the Multinet chart (or Multus' CRD) first`,
      { cause: err },
    )
  }
  return new MultinetError('MN_ERR_KUBE_API', `${what}: ${err.message}`, { cause: err })
}

/** Whether a step failed because RBAC forbids it (the caller may fall back to less). */
export function isForbidden(err: unknown): boolean {
  const cause = err instanceof Error ? err.cause : undefined
  return cause instanceof ApiRequestError && cause.status === 403
}

/** Runs one API step, turning its failure into the error above. */
export async function step<T>(api: KubeApi, action: Action, run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (err) {
    throw apiFailure(err, api, action)
  }
}
