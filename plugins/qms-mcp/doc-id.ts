/**
 * Validation of what a QMS tool caller may name: document ids and user names. Only these
 * shapes ever become path components, which is what keeps `../`, absolute paths and other
 * tricks out of the QMS tree and the workspaces.
 */
import { QmsError } from '../../tasks/errors.js';

/**
 * `CR-043`, `SOP-001`, `CR-043-VAR-001`, `CR-001-TP-ER-002`, `TEMPLATE-CR`, `SDLC-QMS-RS`: an
 * uppercase prefix and one to five dash-separated groups of capitals and digits.
 */
const DOC_ID = /^[A-Z][A-Z0-9]{1,9}(?:-[A-Z0-9]{1,10}){1,5}$/;
const USER = /^[a-z][a-z0-9_-]{0,31}$/;

export const DOC_ID_FORM = 'an uppercase type prefix and dash-separated groups of capitals and digits (e.g. CR-043, SOP-001, CR-043-VAR-001, TEMPLATE-CR, SDLC-QMS-RS)';

/** The id, upper-cased and trimmed, or a QmsError explaining the expected form. */
export function validateDocId(input: unknown): string {
  if (typeof input !== 'string' || input.trim() === '') {
    throw new QmsError('doc_id is required', `Pass a document id: ${DOC_ID_FORM}.`);
  }
  const id = input.trim().toUpperCase();
  if (!DOC_ID.test(id)) {
    throw new QmsError(`invalid document id ${JSON.stringify(input.slice(0, 80))}`, `A document id is ${DOC_ID_FORM}; paths and file names are not accepted.`);
  }
  return id;
}

export function validateUser(input: unknown): string {
  if (typeof input !== 'string' || !USER.test(input)) {
    throw new QmsError(`invalid QMS user ${JSON.stringify(String(input).slice(0, 40))}`, 'A user name is lowercase letters, digits, "-" or "_", starting with a letter (e.g. claude).');
  }
  return input;
}
