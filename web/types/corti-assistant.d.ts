// Types of dist/corti-assistant.js: importing it defines <corti-assistant> (HTMLElementTagNameMap, in corti-auth.d.ts).
import type { CortiAssistantElement as Element } from "./corti-auth.js";

export type { CortiAssistantEventMap, CortiAssistantErrorDetail, CortiAssistantEventDetail } from "./corti-auth.js";

/** The element (document.querySelector("corti-assistant") has this type too). */
export type CortiAssistantElement = Element;
/** The element's class (customElements.get("corti-assistant")). */
export declare const CortiAssistantElement: { prototype: Element; new (): Element };
