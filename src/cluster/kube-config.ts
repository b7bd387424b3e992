/**
 * Where the API server is, found the way kubectl finds it, for every command (webhook, agent,
 * certs, the kubectl plugin): `--kubeconfig`, else the files of `KUBECONFIG` (merged, the first
 * file that sets a name wins), else `~/.kube/config` when it exists, else the pod's service
 * account (in-cluster). `--context` picks another context than the current one. Failing here is
 * a start-up error that says what to do, never a half-configured client that fails later on
 * every request.
 */
import { KubeConfig } from '@kubernetes/client-node'
import { existsSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { messageOf, MultinetError } from '../errors.js'

export interface KubeConfigSource {
  /** `--kubeconfig`: one file; wins over the environment. */
  readonly kubeconfig?: string | undefined
  /** `--context`: a context of the loaded kubeconfig instead of its current one. */
  readonly context?: string | undefined
  /** KUBECONFIG, HOME and KUBERNETES_SERVICE_HOST are read from here (tests pass their own). */
  readonly env: Readonly<Record<string, string | undefined>>
  /** Whether a file exists (tests); default: the file system. */
  readonly exists?: (path: string) => boolean
}

/** Where the configuration comes from: kubeconfig files in merge order, or in-cluster. */
export type KubeConfigOrigin =
  | { readonly kind: 'files'; readonly paths: readonly string[]; readonly from: string }
  | { readonly kind: 'in-cluster' }

/** The default chain, without reading any file but testing whether ~/.kube/config exists. */
export function kubeconfigOrigin(src: KubeConfigSource): KubeConfigOrigin | undefined {
  if (src.kubeconfig) return { kind: 'files', paths: [src.kubeconfig], from: '--kubeconfig' }
  const listed = (src.env.KUBECONFIG ?? '')
    .split(delimiter)
    .map((p) => p.trim())
    .filter((p) => p !== '')
  if (listed.length > 0) return { kind: 'files', paths: listed, from: 'KUBECONFIG' }
  const home = src.env.HOME
  if (home) {
    const path = join(home, '.kube', 'config')
    if ((src.exists ?? existsSync)(path))
      return { kind: 'files', paths: [path], from: '~/.kube/config' }
  }
  if (src.env.KUBERNETES_SERVICE_HOST) return { kind: 'in-cluster' }
  return undefined
}

/** The first kubeconfig path of the chain, or undefined for in-cluster (or nothing found). */
export function kubeconfigPath(src: KubeConfigSource): string | undefined {
  const origin = kubeconfigOrigin(src)
  return origin?.kind === 'files' ? origin.paths[0] : undefined
}

export function loadKubeConfig(src: KubeConfigSource): KubeConfig {
  const origin = kubeconfigOrigin(src)
  if (origin === undefined) {
    throw new MultinetError(
      'MN_ERR_KUBE_CONFIG',
      'not running in a cluster (KUBERNETES_SERVICE_HOST is unset) and no kubeconfig found: give --kubeconfig FILE, set KUBECONFIG, or create ~/.kube/config',
    )
  }
  const kc = new KubeConfig()
  if (origin.kind === 'in-cluster') kc.loadFromCluster()
  else {
    origin.paths.forEach((path, i) => mergeFile(kc, path, i === 0))
  }
  const where = origin.kind === 'files' ? origin.paths.join(delimiter) : 'in-cluster'
  if (src.context) {
    if (kc.getContextObject(src.context) === null) {
      const known = kc.getContexts().map((c) => c.name)
      throw new MultinetError(
        'MN_ERR_KUBE_CONFIG',
        `${where}: no context "${src.context}"${known.length > 0 ? ` (contexts: ${known.join(', ')})` : ''}`,
      )
    }
    kc.setCurrentContext(src.context)
  }
  if (!kc.getCurrentCluster()) {
    throw new MultinetError(
      'MN_ERR_KUBE_CONFIG',
      `${where}: ${kc.getCurrentContext() ? `context "${kc.getCurrentContext()}" names no cluster` : 'current context names no cluster'}; pick one with --context`,
    )
  }
  return kc
}

/** The namespace of the current context ("default" when it names none), as kubectl uses it. */
export function contextNamespace(kc: KubeConfig): string {
  return kc.getContextObject(kc.getCurrentContext())?.namespace || 'default'
}

/** kubectl's merge: the first file to set a cluster, user or context name (or the current context) wins. */
function mergeFile(kc: KubeConfig, path: string, first: boolean): void {
  const next = first ? kc : new KubeConfig()
  try {
    next.loadFromFile(path)
  } catch (err) {
    throw new MultinetError('MN_ERR_KUBE_CONFIG', `${path}: ${messageOf(err)}`, { cause: err })
  }
  if (first) return
  const has = <T extends { name: string }>(list: readonly T[], name: string): boolean =>
    list.some((x) => x.name === name)
  for (const c of next.getClusters()) if (!has(kc.getClusters(), c.name)) kc.addCluster(c)
  for (const u of next.getUsers()) if (!has(kc.getUsers(), u.name)) kc.addUser(u)
  for (const c of next.getContexts()) if (!has(kc.getContexts(), c.name)) kc.addContext(c)
  if (!kc.getCurrentContext() && next.getCurrentContext()) {
    kc.setCurrentContext(next.getCurrentContext())
  }
}
