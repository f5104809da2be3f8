// Generic netlink: a family is found by name (the controller, GENL_ID_CTRL, answers with its
// id), and each request is a genlmsghdr (command, version) followed by attributes. Used for the
// ethtool family, whose replies carry only what the driver supports (ethtool's "n/a").
import { NetdxError } from '../errors.js';
import { NetlinkSocket, attrString, encodeAttr, parseAttrs } from './netlink.js';

export const GENL_ID_CTRL = 16;
export const GENL_HDRLEN = 4;
const CTRL_CMD_GETFAMILY = 3;
const CTRL_ATTR_FAMILY_ID = 1;
const CTRL_ATTR_FAMILY_NAME = 2;
const NLA_F_NESTED = 0x8000;
const ENOENT = 2;

/** A request body: genlmsghdr (cmd, version, reserved) then the attributes. */
export function genlBody(cmd: number, version: number, attrs: readonly Buffer[]): Buffer {
  const hdr = Buffer.alloc(GENL_HDRLEN);
  hdr[0] = cmd;
  hdr[1] = version;
  return Buffer.concat([hdr, ...attrs]);
}

/** A nested attribute (NLA_F_NESTED set, as strict validation wants). */
export function attrNested(type: number, attrs: readonly Buffer[]): Buffer {
  return encodeAttr(type | NLA_F_NESTED, Buffer.concat(attrs));
}

/** The attributes of a generic netlink message body (after its genlmsghdr). */
export function genlAttrs(body: Buffer): Map<number, Buffer> {
  return parseAttrs(body, GENL_HDRLEN);
}

/** A family's id, or undefined when this kernel has no such family (ENOENT). */
export function genlFamilyId(sock: NetlinkSocket, name: string): number | undefined {
  try {
    const replies = sock.request(GENL_ID_CTRL, 0, genlBody(CTRL_CMD_GETFAMILY, 1, [attrString(CTRL_ATTR_FAMILY_NAME, name)]));
    const id = replies[0] && genlAttrs(replies[0].body).get(CTRL_ATTR_FAMILY_ID);
    if (!id || id.length < 2) throw new NetdxError('E_NETLINK', `resolving generic netlink family ${name}: no id in the reply`);
    return id.readUInt16LE(0);
  } catch (e) {
    if (e instanceof NetdxError && e.errno === ENOENT) return undefined;
    throw e;
  }
}
