using System.Net;
using System.Net.Sockets;

namespace Zmarty.Testing;

/// <summary>Loopback ports nothing listens on, for services and for tests that need a server to be unreachable.</summary>
public static class Ports
{
    /// <summary>
    /// Below Linux's ephemeral range (32768 and up), where the orchestrator's proxies and every port-0
    /// bind take theirs: a port picked here and bound a moment later cannot meanwhile go to one of those.
    /// </summary>
    private const int First = 20000;
    private const int Last = 32000;

    /// <summary>
    /// Every port handed out in this process: a service keeps its port across a stop and start (an outage test), and a
    /// system starting in another lane meanwhile must not be given it while it is free.
    /// </summary>
    private static readonly HashSet<int> s_handedOut = [];

    public static int PickFree()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var port = Random.Shared.Next(First, Last);
            lock (s_handedOut)
            {
                if (!s_handedOut.Add(port))
                {
                    continue;
                }
            }

            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: try another.
            }
        }

        throw new InvalidOperationException($"No free port between {First} and {Last} after 100 tries.");
    }
}
