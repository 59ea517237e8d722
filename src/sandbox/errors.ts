/**
 * Zendesk's error bodies, exactly as the reference records them. Handlers throw `ApiError`; the
 * server turns it into the answer, so a handler never writes a half response.
 */

export interface ErrorDetail {
  description: string;
  error: string;
}
export type Details = Record<string, ErrorDetail[]>;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
    /** Some Zendesk errors come back as text/plain [REQ]. */
    readonly text?: string,
  ) {
    super(
      typeof body === 'object' && body !== null && 'error' in body ? String(body.error) : `HTTP ${status}`,
    );
  }
}

export const recordInvalid = (details: Details): ApiError =>
  new ApiError(422, { error: 'RecordInvalid', description: 'Record validation errors', details });

/** One detail entry keyed by field, e.g. detail('name', 'Name: has already been taken', 'DuplicateValue'). */
export const invalid = (field: string, description: string, error: string): ApiError =>
  recordInvalid({ [field]: [{ description, error }] });

export const notFound = (): ApiError =>
  new ApiError(404, { error: 'RecordNotFound', description: 'Not found' });

export const invalidEndpoint = (): ApiError =>
  new ApiError(404, { error: 'InvalidEndpoint', description: 'Not found' });

export const unauthenticated = (): ApiError => new ApiError(401, { error: "Couldn't authenticate you" });

export const forbidden = (): ApiError =>
  new ApiError(403, {
    error: 'Forbidden',
    description:
      'You do not have access to this page. Please contact the account owner of this help desk for further help.',
  });

export const conflict = (): ApiError =>
  new ApiError(409, { error: 'DatabaseConflict', description: 'Database collision' });

/** Sandbox-chosen shape for malformed requests (Zendesk's exact text for these is not recorded). */
export const badRequest = (error: string, description: string): ApiError =>
  new ApiError(400, { error, description });

/** The Events API's own error envelope [EV]. */
export const eventsError = (status: number, code: string, title: string): ApiError =>
  new ApiError(status, { errors: [{ code, id: code.toLowerCase(), title }] });
