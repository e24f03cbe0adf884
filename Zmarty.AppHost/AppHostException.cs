namespace Zmarty.AppHost;

/// <summary>A start that cannot go on, with a message for the person at the console: what is wrong and what to do.</summary>
public sealed class AppHostException(string message, Exception? inner = null) : Exception(message, inner);
