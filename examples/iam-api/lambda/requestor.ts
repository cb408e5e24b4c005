import * as aws4 from 'aws4';

// Calls the API named by IAM_API twice and returns both answers' bodies, parsed, as the
// pattern's original write-up does (no status, no headers):
//   {"without": {"message": "Missing Authentication Token"}, "with": {"hello": "world"}}
// The unsigned call is expected to be refused by API Gateway (403 Missing Authentication
// Token); the SigV4-signed call (service execute-api) reaches the backend.

async function body(res: Response): Promise<unknown> {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    return text; // not JSON: the raw text
  }
}

export const handler = async (): Promise<{ without: unknown; with: unknown }> => {
  const apiUrl = process.env.IAM_API;
  if (!apiUrl) {
    throw new Error('IAM_API is not set');
  }
  const url = new URL(apiUrl);

  // 1. Unsigned.
  const without = await body(await fetch(url));

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
  const withSig = await body(await fetch(url, { method: 'GET', headers }));

  return { without, with: withSig };
};
