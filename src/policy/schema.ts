/**
 * The JSON schema of `policy.yaml`. ajv compiles this object (schema-validate.ts); the same
 * object is shipped as schemas/policy.schema.json for editors (a test keeps the two equal).
 * Checks a schema cannot express well (label syntax, duplicate names) live in validate.ts.
 */
import { POLICY_API_VERSION } from './document.js'

const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?'
const LABEL_GLOB = '[a-z0-9*]([-a-z0-9*]*[a-z0-9*])?'
const SUBDOMAIN_GLOB = '[a-z0-9*]([-a-z0-9.*]*[a-z0-9*])?'

export const PATTERNS = {
  name: `^${LABEL}$`,
  namespace: `^${LABEL}$`,
  namespaceGlob: `^${LABEL_GLOB}$`,
  network: `^${LABEL}/${LABEL}$`,
  networkGlob: `^${LABEL_GLOB}/${LABEL_GLOB}$`,
  serviceAccountGlob: `^${LABEL_GLOB}/${SUBDOMAIN_GLOB}$`,
  interface: '^(?!\\.\\.?$)[^/:\\s]{1,15}$',
} as const

/** What each pattern means, in the words of an error message ("must be ..."). */
export const PATTERN_MESSAGES: Readonly<Record<string, string>> = {
  [PATTERNS.name]:
    'must be a DNS label: lower-case letters, digits and "-", starting and ending with a letter or digit',
  [PATTERNS.namespaceGlob]:
    'must be a namespace name (lower-case letters, digits, "-"), where "*" matches any characters, e.g. team-*',
  [PATTERNS.network]:
    'must be an exact network "namespace/name" (lower-case letters, digits, "-"; no "*"), e.g. tenants/acme-net',
  [PATTERNS.networkGlob]:
    'must be a network "namespace/name" (lower-case letters, digits, "-"), where "*" matches any characters within a part, e.g. storage-*/san',
  [PATTERNS.serviceAccountGlob]:
    'must be a service account "namespace/name", where "*" matches any characters within a part, e.g. monitoring/collector',
  [PATTERNS.interface]:
    'must be a Linux interface name: 1-15 characters, not "." or "..", no "/", ":" or spaces',
}

const MODE = {
  description:
    'enforce: refuse the pod; warn: admit it with a warning; audit: admit it, log and count the refusal.',
  enum: ['enforce', 'warn', 'audit'],
}

const stringList = (pattern: string, description: string): Record<string, unknown> => ({
  description,
  type: 'array',
  minItems: 1,
  items: { type: 'string', pattern },
})

export const POLICY_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://multinet.io/schemas/policy.schema.json',
  title: 'Multinet access policy',
  description:
    'The policy.yaml key of a ConfigMap labelled multinet.io/policy: "true" in the webhook namespace: which pods may attach to which networks.',
  type: 'object',
  additionalProperties: false,
  required: ['apiVersion'],
  properties: {
    apiVersion: { description: 'Version of this format.', const: POLICY_API_VERSION },
    mode: { $ref: '#/definitions/mode' },
    globalNamespaces: {
      description:
        'Namespaces whose networks any pod may use. The union over all policy ConfigMaps; ["default"] when none sets it.',
      type: 'array',
      items: { type: 'string', pattern: PATTERNS.namespace },
    },
    rules: { type: 'array', items: { $ref: '#/definitions/rule' } },
    tenants: { type: 'array', items: { $ref: '#/definitions/tenant' } },
    admins: { type: 'array', items: { $ref: '#/definitions/admin' } },
  },
  definitions: {
    mode: MODE,
    name: {
      description: 'A name unique across all policy ConfigMaps.',
      type: 'string',
      maxLength: 63,
      pattern: PATTERNS.name,
    },
    rule: {
      description:
        'grant: these pods may also use the networks; reserve (or allow): the networks are reserved to these pods; deny: these pods may not use them (deny wins).',
      type: 'object',
      additionalProperties: false,
      required: ['name', 'action', 'networks', 'from'],
      properties: {
        name: { $ref: '#/definitions/name' },
        description: { type: 'string' },
        action: { enum: ['allow', 'deny', 'grant', 'reserve'] },
        mode: { $ref: '#/definitions/mode' },
        networks: { $ref: '#/definitions/networkMatch' },
        from: { $ref: '#/definitions/subjectMatch' },
      },
    },
    networkMatch: {
      description: 'The networks of the rule: every field given must match.',
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: {
        names: stringList(PATTERNS.networkGlob, 'namespace/name patterns; any may match.'),
        selector: { $ref: '#/definitions/labelSelector' },
        physicalNetworks: stringList(
          PATTERNS.name,
          'Physical networks (the NAD annotation multinet.io/physical-network); any may match.',
        ),
      },
    },
    subjectMatch: {
      description: 'The pods of the rule: every field given must match.',
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: {
        namespaces: { $ref: '#/definitions/namespaceMatch' },
        pods: {
          type: 'object',
          additionalProperties: false,
          required: ['selector'],
          properties: { selector: { $ref: '#/definitions/labelSelector' } },
        },
        serviceAccounts: stringList(
          PATTERNS.serviceAccountGlob,
          'namespace/name of service accounts; any may match.',
        ),
      },
    },
    namespaceMatch: {
      description: 'Namespaces by name and/or labels: every field given must match.',
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: {
        names: stringList(PATTERNS.namespaceGlob, 'Namespace names; any may match.'),
        selector: { $ref: '#/definitions/labelSelector' },
      },
    },
    tenant: {
      description: 'Namespaces whose pods get these networks injected, optionally locked to them.',
      type: 'object',
      additionalProperties: false,
      required: ['name', 'namespaces', 'networks'],
      properties: {
        name: { $ref: '#/definitions/name' },
        description: { type: 'string' },
        namespaces: { $ref: '#/definitions/namespaceMatch' },
        networks: { type: 'array', items: { $ref: '#/definitions/tenantNetwork' } },
        locked: { type: 'boolean' },
        mode: { $ref: '#/definitions/mode' },
        joins: {
          description:
            'Other tenants whose networks the pods of this tenant may also use (one way; not injected).',
          type: 'array',
          items: { $ref: '#/definitions/name' },
        },
      },
    },
    admin: {
      description:
        'Admin access: pods of these namespaces may use every network; every pod may use these networks. Deny rules still win.',
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: {
        name: { $ref: '#/definitions/name' },
        description: { type: 'string' },
        namespaces: { $ref: '#/definitions/namespaceMatch' },
        networks: { $ref: '#/definitions/networkMatch' },
      },
    },
    tenantNetwork: {
      type: 'object',
      additionalProperties: false,
      required: ['network'],
      properties: {
        network: { type: 'string', pattern: PATTERNS.network },
        interface: { type: 'string', pattern: PATTERNS.interface },
      },
    },
    labelSelector: {
      description: 'A Kubernetes label selector; {} matches everything.',
      type: 'object',
      additionalProperties: false,
      properties: {
        matchLabels: { type: 'object', additionalProperties: { type: 'string' } },
        matchExpressions: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['key', 'operator'],
            properties: {
              key: { type: 'string' },
              operator: { enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] },
              values: { type: 'array', items: { type: 'string' } },
            },
          },
        },
      },
    },
  },
} as const
