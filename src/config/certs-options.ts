import type { OptionTable } from './define.js'

/** Every setting of `multinet certs`. */
export interface CertsSettings {
  readonly service: string
  readonly namespace: string
  readonly clusterDomain: string
  readonly dnsNames: readonly string[]
  readonly ipAddresses: readonly string[]
  readonly keyType: 'ecdsa' | 'rsa'
  readonly rsaBits: number
  readonly caValidityDays: number
  readonly certValidityDays: number
  readonly renewBeforeDays: number
  readonly force: boolean
  readonly outDir: string | undefined
  readonly kubeconfig: string | undefined
  readonly secret: string | undefined
  readonly validatingWebhooks: readonly string[]
  readonly mutatingWebhooks: readonly string[]
  readonly logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'
}

const N = 'Names'
const K = 'Keys and validity'
const O = 'Output'
const L = 'Process'

export const CERTS_OPTIONS: OptionTable<CertsSettings> = {
  service: {
    group: N,
    type: 'string',
    default: 'multinet-webhook',
    metavar: 'name',
    description:
      'Name of the webhook Service; the certificate covers svc, svc.ns, svc.ns.svc and svc.ns.svc.<cluster-domain>.',
  },
  namespace: {
    group: N,
    type: 'string',
    default: 'multinet-system',
    metavar: 'name',
    envAliases: ['POD_NAMESPACE'],
    description: 'Namespace of the Service and of the Secret.',
  },
  clusterDomain: {
    group: N,
    type: 'string',
    default: 'cluster.local',
    metavar: 'domain',
    description: 'Cluster DNS domain for the fully qualified Service name.',
  },
  dnsNames: {
    group: N,
    type: 'list',
    default: [],
    description: 'Extra DNS names for the certificate (e.g. localhost).',
  },
  ipAddresses: {
    group: N,
    type: 'list',
    default: [],
    description: 'IP addresses for the certificate (e.g. 127.0.0.1).',
  },
  keyType: {
    group: K,
    type: 'string',
    default: 'ecdsa',
    enum: ['ecdsa', 'rsa'],
    description: 'Key algorithm of new keys: ECDSA P-256 or RSA.',
  },
  rsaBits: {
    group: K,
    type: 'integer',
    default: 2048,
    minimum: 2048,
    maximum: 4096,
    enum: [2048, 3072, 4096],
    description: 'RSA modulus size (with --key-type rsa).',
  },
  caValidityDays: {
    group: K,
    type: 'integer',
    default: 3650,
    minimum: 1,
    maximum: 36500,
    description: 'Lifetime of a new CA.',
  },
  certValidityDays: {
    group: K,
    type: 'integer',
    default: 365,
    minimum: 1,
    maximum: 3650,
    description: 'Lifetime of a new serving certificate.',
  },
  renewBeforeDays: {
    group: K,
    type: 'integer',
    default: 30,
    minimum: 0,
    maximum: 3650,
    description:
      'Existing certificates are reused while they stay valid for longer than this; otherwise they are renewed.',
  },
  force: {
    group: K,
    type: 'boolean',
    default: false,
    description:
      'Create a new CA and serving certificate even if the existing ones are still good.',
  },
  outDir: {
    group: O,
    type: 'string',
    metavar: 'dir',
    description: 'Folder for ca.crt, ca.key, tls.crt and tls.key (keys mode 0600).',
    defaultText: 'certs, or no files when --secret is set',
  },
  kubeconfig: {
    group: O,
    type: 'string',
    metavar: 'file',
    envAliases: ['KUBECONFIG'],
    description:
      'Kubeconfig for --secret and the webhook patches; unset: the first file of KUBECONFIG, then ~/.kube/config, then the in-cluster service account.',
  },
  secret: {
    group: O,
    type: 'string',
    metavar: 'name',
    description:
      'Store the pair in this kubernetes.io/tls Secret (tls.crt, tls.key, ca.crt, ca.key), and reuse it from there on the next run.',
  },
  validatingWebhooks: {
    group: O,
    type: 'list',
    default: [],
    description: 'ValidatingWebhookConfigurations whose webhooks get the caBundle.',
  },
  mutatingWebhooks: {
    group: O,
    type: 'list',
    default: [],
    description: 'MutatingWebhookConfigurations whose webhooks get the caBundle.',
  },
  logLevel: {
    group: L,
    type: 'string',
    default: 'info',
    enum: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'],
    description: 'Least severe log level written to stderr.',
  },
}
