namespace Zmarty.Tests.Emulators;

/// <summary>Walks MPEG-1 Layer III frame headers, as a decoder does to find the frames.</summary>
internal static class Mp3
{
    private static readonly int[] s_bitrates = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
    private static readonly int[] s_sampleRates = [44_100, 48_000, 32_000];

    /// <summary>The number of frames; throws when the bytes are not a clean run of valid frames.</summary>
    public static int FrameCount(ReadOnlySpan<byte> audio)
    {
        var frames = 0;
        var offset = 0;
        while (offset < audio.Length)
        {
            var header = audio[offset..];
            if (header.Length < 4 || header[0] != 0xFF || (header[1] & 0xFE) != 0xFA)
            {
                throw new InvalidDataException($"No MPEG-1 Layer III frame sync at byte {offset}.");
            }

            var bitrateIndex = header[2] >> 4;
            var sampleRateIndex = (header[2] >> 2) & 0x3;
            if (bitrateIndex is 0 or 15 || sampleRateIndex == 3)
            {
                throw new InvalidDataException($"Invalid bitrate or sample rate in the frame at byte {offset}.");
            }

            var padding = (header[2] >> 1) & 0x1;
            offset += (144 * s_bitrates[bitrateIndex] * 1000 / s_sampleRates[sampleRateIndex]) + padding;
            frames++;
        }

        return offset == audio.Length ? frames : throw new InvalidDataException("The last frame is cut short.");
    }
}
