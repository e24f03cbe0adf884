/**
 * Plays a voice reply in the browser. `audio_url` is absolute (on the Api's public address) and signed, so an
 * `<audio>` element on another origin can load it without the token; the link lasts a day.
 */
export async function playReply(reply: { audio_url?: string | null }, player?: HTMLAudioElement): Promise<HTMLAudioElement | undefined> {
  if (!reply.audio_url) return undefined;
  const audio = player ?? new Audio();
  audio.src = reply.audio_url;
  await audio.play();
  return audio;
}
