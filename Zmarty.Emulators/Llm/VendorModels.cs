namespace Zmarty.Emulators.Llm;

/// <summary>
/// The models each emulated vendor serves, as the vendors' retirement notices leave them in December 2026. A model not
/// listed gets the vendor's 404 <c>model_not_found</c>, as a retired or misspelt one does: <c>claude-3-5-haiku-latest</c>
/// (Anthropic retired it on 2026-02-19), <c>grok-3</c> and the <c>grok-4-fast</c> family (xAI, 2026-05-15), <c>o4-mini</c>
/// (OpenAI, 2026-10-23). Reasoning models think before they answer and report it: xAI beside
/// <c>completion_tokens</c>, OpenAI inside them.
/// </summary>
public static class VendorModels
{
    private static readonly Dictionary<string, Dictionary<string, bool>> s_models = new(StringComparer.Ordinal)
    {
        ["xai"] = new(StringComparer.Ordinal)
        {
            ["grok-3-mini"] = true, ["grok-4.3"] = true, ["grok-4.7"] = true, ["grok-4.20-non-reasoning"] = false,
        },
        // gpt-4o-mini, gpt-4o and the 4.1 models shut down on 2027-01-14, gpt-5-mini on 2026-12-11.
        ["openai"] = new(StringComparer.Ordinal)
        {
            ["gpt-6-luna"] = true, ["gpt-4o-mini"] = false, ["gpt-4o"] = false, ["gpt-4.1-mini"] = false, ["gpt-4.1"] = false,
            ["gpt-5-mini"] = true,
        },
        ["anthropic"] = new(StringComparer.Ordinal)
        {
            ["claude-haiku-4-5"] = false, ["claude-sonnet-4-5"] = false, ["claude-opus-4-1"] = false, ["claude-sonnet-4-0"] = false,
        },
    };

    public static IEnumerable<string> Of(string vendor) => s_models[vendor].Keys;

    public static bool Serves(string vendor, string model) => s_models[vendor].ContainsKey(model);

    public static bool Reasons(string vendor, string model) => s_models[vendor].GetValueOrDefault(model);

    /// <summary>Whether the vendor counts reasoning tokens outside <c>completion_tokens</c> (xAI) rather than inside (OpenAI).</summary>
    public static bool ReportsReasoningSeparately(string vendor) => vendor == "xai";

    /// <summary>The vendor's 404 for a model it does not serve.</summary>
    public static string NotFound(string model) => $"The model `{model}` does not exist or you do not have access to it.";
}
