using System.Net;
using System.Net.Sockets;

namespace Zmarty.AppHost.Hosting;

internal static class Ports
{
    /// <summary>Every port this process has handed out: tests start many systems at once in one process.</summary>
    private static readonly HashSet<int> s_handedOut = [];

    public static int PickFree() => PickFree(1)[0];

    /// <summary>
    /// <paramref name="count"/> free ports, all different and never handed out before by this process.
    /// Each is held until all are picked, since the kernel may give a port just released to the next
    /// bind; one given to an application that has not bound it yet is free to the kernel too.
    /// </summary>
    public static int[] PickFree(int count)
    {
        var listeners = new List<TcpListener>(count);
        try
        {
            var ports = new List<int>(count);
            lock (s_handedOut)
            {
                while (ports.Count < count)
                {
                    var listener = new TcpListener(IPAddress.Loopback, 0);
                    listeners.Add(listener);
                    listener.Start();
                    var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                    if (s_handedOut.Add(port))
                    {
                        ports.Add(port);
                    }
                }
            }

            return [.. ports];
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Dispose();
            }
        }
    }

    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
