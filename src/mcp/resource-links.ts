/*
 * `resource_link` content blocks for the stored files a tool result names (the tool's
 * `filesNamed`), after the result's JSON text: clients that open resources can open
 * these with resources/read, and clients that do not still have the text.
 */

import type { AnyTool } from "../tools/define.ts";
import { fileUri } from "./resource-uri.ts";

export interface ResourceLink {
  type: "resource_link";
  uri: string;
  name: string;
  mimeType?: string;
  size?: number;
}

export function resourceLinks(tool: AnyTool, value: unknown): ResourceLink[] {
  if (!tool.filesNamed) return [];
  return tool.filesNamed(value).map((file) => {
    const link: ResourceLink = { type: "resource_link", uri: fileUri(file.path), name: file.path };
    if (file.content_type !== undefined) link.mimeType = file.content_type;
    if (file.size !== undefined) link.size = file.size;
    return link;
  });
}
