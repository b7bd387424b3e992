/** Installs the chart's CRDs into an e2e control plane and waits until they are served. */
import {
  ApiextensionsV1Api,
  type KubeConfig,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseAllDocuments } from 'yaml'
import { waitFor } from './net.js'

export const CHART_CRD_DIR = fileURLToPath(new URL('../../charts/multinet/crds/', import.meta.url))

export const NAD = {
  group: 'k8s.cni.cncf.io',
  version: 'v1',
  plural: 'network-attachment-definitions',
  kind: 'NetworkAttachmentDefinition',
  apiVersion: 'k8s.cni.cncf.io/v1',
} as const

export function chartCrds(dir = CHART_CRD_DIR): V1CustomResourceDefinition[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')))
    .map((doc) => doc.toJS() as V1CustomResourceDefinition | null)
    .filter((crd): crd is V1CustomResourceDefinition => crd?.kind === 'CustomResourceDefinition')
}

function established(crd: V1CustomResourceDefinition): boolean {
  return (crd.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True')
}

/** Creates each CRD (an existing one is left alone: a restarted apiserver keeps its etcd). */
export async function installCrds(
  kc: KubeConfig,
  crds = chartCrds(),
  timeoutMs = 30_000,
): Promise<void> {
  const api = kc.makeApiClient(ApiextensionsV1Api)
  for (const crd of crds) {
    const name = crd.metadata?.name ?? ''
    try {
      await api.createCustomResourceDefinition({ body: crd })
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err
    }
    await waitFor(
      `CRD ${name} Established`,
      async () =>
        established(await api.readCustomResourceDefinition({ name })) ? true : undefined,
      { timeoutMs },
    )
  }
}
