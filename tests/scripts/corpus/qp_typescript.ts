// Mirrors grafana/quickpizza k6/foundations/01.basic.ts: the basic script written in
// TypeScript with an interface and type annotations.
import http from "k6/http";
import { check } from "k6";

const SHOP: string = __ENV.SHOP || "http://127.0.0.1:8080";

interface Login {
  user: string;
  extras: string[];
}

export const options = { vus: 1, iterations: 3 };

export default function (): void {
  const body: Login = { user: "typed", extras: [] };
  const res = http.post(`${SHOP}/login`, JSON.stringify(body), {
    headers: { "Content-Type": "application/json" },
  });
  check(res, { "status is 200": (r) => r.status === 200 });
  const token: string = res.json("token") as string;
  check(token, { "typed token": (t) => t === "token-typed" });
}
