import * as aws4 from 'aws4';

// Calls the API named by IAM_API twice and returns both answers:
//   {"without": {statusCode, headers, body}, "with": {statusCode, body}}
// The unsigned call is expected to get 403 "Missing Authentication Token";
// the SigV4-signed call (service execute-api) reaches the backend.

interface Answer {
  statusCode: number;
  headers?: Record<string, string>;
  body: unknown;
}

async function answer(res: Response, withHeaders: boolean): Promise<Answer> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the raw text
  }
  if (withHeaders) {
    return { statusCode: res.status, headers: Object.fromEntries(res.headers.entries()), body };
  }
  return { statusCode: res.status, body };
}

export const handler = async (): Promise<{ without: Answer; with: Answer }> => {
  const apiUrl = process.env.IAM_API;
  if (!apiUrl) {
    throw new Error('IAM_API is not set');
  }
  const url = new URL(apiUrl);

  // 1. Unsigned.
  const without = await answer(await fetch(url), true);

  // 2. Signed with the function's own credentials (from the Lambda environment).
  const signed = aws4.sign(
    {
      host: url.host,
      path: url.pathname + url.search,
      method: 'GET',
      service: 'execute-api',
      region: process.env.AWS_REGION,
    },
    {
      accessKeyId: process.env.AWS_ACCESS_KEY_ID,
      secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY,
      sessionToken: process.env.AWS_SESSION_TOKEN,
    },
  );
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers ?? {})) {
    // fetch sets Host itself (to the same value that was signed).
    if (name.toLowerCase() !== 'host' && value !== undefined) {
      headers[name] = String(value);
    }
  }
  const withSig = await answer(await fetch(url, { method: 'GET', headers }), false);

  return { without, with: withSig };
};
