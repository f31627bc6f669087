// @peculiar/x509 with the Reflect polyfill it requires evaluated first (its DI container checks at import).
import "reflect-metadata";

export * from "@peculiar/x509";
