/** Email addresses in text shown to an operator, masked unless they ask with --reveal. */
const EMAIL = /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*/g;
export const maskEmails = (text: string): string => text.replace(EMAIL, '***@***');
