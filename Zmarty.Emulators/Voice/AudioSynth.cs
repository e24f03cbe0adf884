using System.Buffers.Binary;

namespace Zmarty.Emulators.Voice;

/// <summary>
/// Real, playable audio for the emulated text-to-speech, without an encoder: MP3 as a run of valid
/// MPEG-1 Layer III frames that decode to silence, and PCM as a tone. The length follows the text
/// (about 15 characters a second, as speech goes), so the same text always gives the same bytes.
/// </summary>
public static class AudioSynth
{
    public const double CharactersPerSecond = 15;

    // MPEG-1 Layer III, no CRC; 128 kbit/s, 44.1 kHz, no padding; mono, original. A frame is 1,152 samples.
    private static readonly byte[] s_mp3Header = [0xFF, 0xFB, 0x90, 0xC4];
    private const int Mp3FrameBytes = 417; // floor(144 × 128,000 / 44,100)
    private const int SamplesPerFrame = 1152;
    private const int Mp3SampleRate = 44_100;

    public static TimeSpan Duration(string text) =>
        TimeSpan.FromSeconds(Math.Max(0.5, text.Length / CharactersPerSecond));

    /// <summary>
    /// Frames whose side information is all zero: no main data, every granule silent. Any MP3 decoder
    /// plays them as silence of the text's duration.
    /// </summary>
    public static byte[] Mp3(string text)
    {
        var frames = (int)Math.Ceiling(Duration(text).TotalSeconds * Mp3SampleRate / SamplesPerFrame);
        var audio = new byte[frames * Mp3FrameBytes];
        for (var i = 0; i < frames; i++)
        {
            s_mp3Header.CopyTo(audio, i * Mp3FrameBytes);
        }

        return audio;
    }

    /// <summary>Signed 16-bit little-endian mono PCM of a 440 Hz tone at <paramref name="sampleRate"/>.</summary>
    public static byte[] Pcm(string text, int sampleRate)
    {
        var samples = (int)(Duration(text).TotalSeconds * sampleRate);
        var audio = new byte[samples * 2];
        for (var i = 0; i < samples; i++)
        {
            var value = (short)(Math.Sin(2 * Math.PI * 440 * i / sampleRate) * short.MaxValue * 0.2);
            BinaryPrimitives.WriteInt16LittleEndian(audio.AsSpan(i * 2), value);
        }

        return audio;
    }
}
