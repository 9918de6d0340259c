/** Client addresses as events and limits see them. */

/** IPv4-mapped IPv6 (::ffff:1.2.3.4) → 1.2.3.4, so one client has one address whichever socket it used. */
export function normaliseAddress(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
