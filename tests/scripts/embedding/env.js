export function setup() {
  return { path: __ENV.PATH ?? null, own: __ENV.OWN ?? null };
}

export default function () {}
