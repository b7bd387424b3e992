import { MultinetError } from '../errors.js'
import type { AdmissionRequest } from './review.js'
import { field, isObject } from '../spec/object.js'
import { showValue } from '../spec/json.js'

const OPERATIONS = new Set(['CREATE', 'UPDATE', 'DELETE', 'CONNECT'])

/**
 * Checks the envelope of an AdmissionReview v1 request. A malformed envelope is an error (the
 * API server sent something we cannot answer, HTTP 400), not a denial: a denial needs a uid to
 * answer to. The objects inside are read later, defensively, by each resource's reviewer.
 */
export function decodeReview(body: unknown): AdmissionRequest {
  if (!isObject(body)) throw malformed('the body must be a JSON object')
  if (body.kind !== 'AdmissionReview') throw malformed('kind must be "AdmissionReview"')
  if (body.apiVersion !== 'admission.k8s.io/v1') {
    throw new MultinetError(
      'MN_ERR_REVIEW_VERSION',
      `apiVersion ${showValue(body.apiVersion ?? null)}: only admission.k8s.io/v1 is served (set admissionReviewVersions: ["v1"])`,
    )
  }
  const req = body.request
  if (!isObject(req)) throw malformed('request must be an object')
  if (typeof req.uid !== 'string' || req.uid === '') {
    throw malformed('request.uid must be a non-empty string')
  }
  for (const key of ['kind', 'resource'] as const) {
    if (!isObject(req[key])) throw malformed(`request.${key} must be an object`)
  }
  for (const key of ['version', 'kind'] as const) {
    if (typeof field(req.kind, key) !== 'string') {
      throw malformed(`request.kind.${key} must be a string`)
    }
  }
  for (const key of ['version', 'resource'] as const) {
    if (typeof field(req.resource, key) !== 'string') {
      throw malformed(`request.resource.${key} must be a string`)
    }
  }
  if (typeof req.operation !== 'string' || !OPERATIONS.has(req.operation)) {
    throw malformed('request.operation must be one of CREATE, UPDATE, DELETE, CONNECT')
  }
  if (req.userInfo !== undefined && !isObject(req.userInfo)) {
    throw malformed('request.userInfo must be an object')
  }
  if (isObject(req.userInfo)) checkUserInfo(req.userInfo)
  // Optional, but typed: everything downstream (subjects, logs, metrics) reads them as text.
  for (const key of ['namespace', 'name', 'subResource'] as const) {
    if (req[key] !== undefined && typeof req[key] !== 'string') {
      throw malformed(`request.${key} must be a string when present`)
    }
  }
  if (req.dryRun !== undefined && typeof req.dryRun !== 'boolean') {
    throw malformed('request.dryRun must be a boolean when present')
  }
  const group = (o: unknown): string => {
    const g = field(o, 'group')
    return typeof g === 'string' ? g : ''
  }
  return {
    ...(req as unknown as AdmissionRequest),
    kind: { ...(req.kind as AdmissionRequest['kind']), group: group(req.kind) },
    resource: { ...(req.resource as AdmissionRequest['resource']), group: group(req.resource) },
    userInfo: (req.userInfo as AdmissionRequest['userInfo'] | undefined) ?? {},
  }
}

/**
 * The identity decides who may write network-status: its fields must have the types the API
 * server gives them (a `groups` object instead of a list once answered 500).
 */
function checkUserInfo(user: Record<string, unknown>): void {
  for (const key of ['username', 'uid'] as const) {
    if (user[key] !== undefined && typeof user[key] !== 'string') {
      throw malformed(`request.userInfo.${key} must be a string when present`)
    }
  }
  if (user.groups !== undefined && !isStringList(user.groups)) {
    throw malformed('request.userInfo.groups must be a list of strings when present')
  }
  if (user.extra !== undefined) {
    if (!isObject(user.extra) || !Object.values(user.extra).every(isStringList)) {
      throw malformed('request.userInfo.extra must map keys to lists of strings when present')
    }
  }
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string')
}

function malformed(detail: string): MultinetError {
  return new MultinetError('MN_ERR_REVIEW_MALFORMED', detail)
}
