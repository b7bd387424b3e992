/**
 * The Kubernetes side of `multinet certs`: the pair lives in a kubernetes.io/tls Secret (so the
 * next run of the chart's job can reuse it) and its CA goes into the caBundle of the webhook
 * configurations that call us.
 */
import {
  AdmissionregistrationV1Api,
  ApiException,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1Secret,
} from '@kubernetes/client-node'
import { MultinetError, messageOf } from '../errors.js'
import { CERT_FILES } from './cert-files.js'
import type { CertBundle, CertMaterial } from './renew.js'

export type WebhookKind = 'validating' | 'mutating'

export class CertPublisher {
  private readonly core: CoreV1Api
  private readonly admission: AdmissionregistrationV1Api

  constructor(kc: KubeConfig) {
    this.core = kc.makeApiClient(CoreV1Api)
    this.admission = kc.makeApiClient(AdmissionregistrationV1Api)
  }

  /** The Secret's material, or undefined when the Secret does not exist yet. */
  async readSecret(namespace: string, name: string): Promise<CertMaterial | undefined> {
    const secret = await this.getSecret(namespace, name)
    if (secret === undefined) return undefined
    const data = secret.data ?? {}
    const material: Record<string, string> = {}
    for (const [field, key] of Object.entries(CERT_FILES)) {
      const value = data[key]
      if (value !== undefined) material[field] = Buffer.from(value, 'base64').toString('utf8')
    }
    return material
  }

  /** Creates or replaces the Secret; `unchanged` when it already holds exactly this bundle. */
  async storeSecret(
    namespace: string,
    name: string,
    bundle: CertBundle,
  ): Promise<'created' | 'updated' | 'unchanged'> {
    const data: Record<string, string> = {}
    for (const [field, key] of Object.entries(CERT_FILES)) {
      data[key] = Buffer.from(bundle[field as keyof CertBundle], 'utf8').toString('base64')
    }
    const existing = await this.getSecret(namespace, name)
    const body: V1Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name,
        namespace,
        labels: { 'app.kubernetes.io/managed-by': 'multinet-certs' },
        // Optimistic concurrency: a replace against a Secret someone else changed meanwhile fails.
        ...(existing?.metadata?.resourceVersion
          ? { resourceVersion: existing.metadata.resourceVersion }
          : {}),
      },
      type: 'kubernetes.io/tls',
      data,
    }
    return call(`Secret ${namespace}/${name}`, async () => {
      if (existing === undefined) {
        await this.core.createNamespacedSecret({ namespace, body })
        return 'created'
      }
      if (sameData(existing.data ?? {}, data)) return 'unchanged'
      await this.core.replaceNamespacedSecret({ name, namespace, body })
      return 'updated'
    })
  }

  /**
   * Sets `clientConfig.caBundle` on every webhook of the configuration. The JSON patch tests
   * each webhook's name first, so a configuration reordered meanwhile fails instead of being
   * patched at the wrong index. Returns how many webhooks changed.
   */
  async patchCaBundle(kind: WebhookKind, name: string, caBundlePem: string): Promise<number> {
    const caBundle = Buffer.from(caBundlePem, 'utf8').toString('base64')
    const what = `${kind} webhook configuration ${name}`
    return call(what, async () => {
      const config =
        kind === 'validating'
          ? await this.admission.readValidatingWebhookConfiguration({ name })
          : await this.admission.readMutatingWebhookConfiguration({ name })
      const ops: object[] = []
      ;(config.webhooks ?? []).forEach((webhook, i) => {
        if (webhook.clientConfig.caBundle === caBundle) return
        ops.push({ op: 'test', path: `/webhooks/${i}/name`, value: webhook.name })
        ops.push({ op: 'add', path: `/webhooks/${i}/clientConfig/caBundle`, value: caBundle })
      })
      if (ops.length === 0) return 0
      const options = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch)
      if (kind === 'validating') {
        await this.admission.patchValidatingWebhookConfiguration({ name, body: ops }, options)
      } else {
        await this.admission.patchMutatingWebhookConfiguration({ name, body: ops }, options)
      }
      return ops.length / 2
    })
  }

  private async getSecret(namespace: string, name: string): Promise<V1Secret | undefined> {
    try {
      return await this.core.readNamespacedSecret({ name, namespace })
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return undefined
      throw apiError(`Secret ${namespace}/${name}`, err)
    }
  }
}

function sameData(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)])
  return [...keys].every((k) => a[k] === b[k])
}

async function call<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (err) {
    throw apiError(what, err)
  }
}

function apiError(what: string, err: unknown): MultinetError {
  const status = err instanceof ApiException ? ` (HTTP ${err.code})` : ''
  return new MultinetError('MN_ERR_KUBE_API', `${what}${status}: ${messageOf(err)}`, { cause: err })
}
