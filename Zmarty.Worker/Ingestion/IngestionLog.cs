namespace Zmarty.Worker.Ingestion;

internal static partial class IngestionLog
{
    [LoggerMessage(Level = LogLevel.Information,
        Message = "Cryptometer has no {timeframe} candles for {symbol}: not asked again before {retry_after:u}")]
    public static partial void NoDataBackoff(ILogger logger, string symbol, string timeframe, DateTimeOffset retry_after);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Cryptometer has no {timeframe} candles for {symbol}, and B could not record it ({error}): the pair is not backed off")]
    public static partial void NoDataNotRecorded(ILogger logger, string symbol, string timeframe, string error);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "King Fisher's clusters for {symbol} could not be read; the ingestion goes on without them: {error}")]
    public static partial void ClustersLeftOut(ILogger logger, string symbol, string error);
}
