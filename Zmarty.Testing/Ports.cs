using System.Net;
using System.Net.Sockets;

namespace Zmarty.Testing;

/// <summary>A loopback port nothing listens on: for a test that needs a server to be unreachable.</summary>
public static class Ports
{
    public static int PickFree()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
