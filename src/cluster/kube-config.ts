/**
 * Where the API server is: a kubeconfig named by `--kubeconfig` or `KUBECONFIG`, otherwise the
 * pod's service account (in-cluster). Failing here is a start-up error with the reason, never a
 * half-configured client that fails later on every request.
 */
import { KubeConfig } from '@kubernetes/client-node'
import { delimiter } from 'node:path'
import { messageOf, MultinetError } from '../errors.js'

export interface KubeConfigSource {
  /** `--kubeconfig`; wins over the environment. */
  readonly kubeconfig?: string
  readonly env: Readonly<Record<string, string | undefined>>
}

/** The kubeconfig path to use, or undefined for in-cluster. */
export function kubeconfigPath(src: KubeConfigSource): string | undefined {
  if (src.kubeconfig) return src.kubeconfig
  // KUBECONFIG may list several files; merging them is kubectl's business, ours is the first.
  const first = (src.env.KUBECONFIG ?? '').split(delimiter).find((p) => p.trim() !== '')
  return first?.trim()
}

export function loadKubeConfig(src: KubeConfigSource): KubeConfig {
  const kc = new KubeConfig()
  const path = kubeconfigPath(src)
  if (path !== undefined) {
    try {
      kc.loadFromFile(path)
    } catch (err) {
      throw new MultinetError('MN_ERR_KUBE_CONFIG', `${path}: ${messageOf(err)}`, { cause: err })
    }
    if (!kc.getCurrentCluster()) {
      throw new MultinetError('MN_ERR_KUBE_CONFIG', `${path}: current context names no cluster`)
    }
    return kc
  }
  if (!src.env.KUBERNETES_SERVICE_HOST) {
    throw new MultinetError(
      'MN_ERR_KUBE_CONFIG',
      'not running in a cluster (KUBERNETES_SERVICE_HOST is unset) and neither --kubeconfig nor KUBECONFIG is given',
    )
  }
  kc.loadFromCluster()
  return kc
}
