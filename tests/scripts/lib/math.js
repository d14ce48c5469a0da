import { twice } from "./nested/twice.js";
export const add = (a, b) => a + b;
export { twice };
