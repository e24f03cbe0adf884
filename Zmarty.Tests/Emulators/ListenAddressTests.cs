using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Zmarty.Emulators.Hosting;
using Zmarty.Tests.Startup;

namespace Zmarty.Tests.Emulators;

/// <summary>The emulators bind loopback only, whatever address they are given, unless Emulators:ListenAddress says where.</summary>
public sealed class ListenAddressTests
{
    [Theory]
    [InlineData("urls", "http://0.0.0.0:5300", null, "http://127.0.0.1:5300")]
    [InlineData("urls", "http://+:5300;http://localhost:5301", null, "http://127.0.0.1:5300;http://localhost:5301")]
    [InlineData("urls", "http://[::]:5300", null, "http://127.0.0.1:5300")]
    [InlineData("urls", "http://[::1]:5300", null, "http://[::1]:5300")]
    [InlineData("http_ports", "8080", null, "http://127.0.0.1:8080")]
    [InlineData("http_ports", "8080", "0.0.0.0", "http://0.0.0.0:8080")]
    [InlineData("urls", "http://localhost:5300", "::", "http://[::]:5300")]
    public void Every_given_address_is_bound_on_loopback_unless_a_listen_address_is_set(
        string key, string value, string? listen, string expected)
    {
        var (urls, error) = ListenAddresses.Resolve(Configuration((key, value), (ListenAddresses.ListenAddressKey, listen)));

        Assert.Null(error);
        Assert.Equal(expected, string.Join(';', urls));
    }

    [Fact]
    public void A_listen_address_that_is_not_an_ip_address_stops_the_start_naming_the_key()
    {
        var (_, error) = ListenAddresses.Resolve(
            Configuration(("urls", "http://0.0.0.0:5300"), (ListenAddresses.ListenAddressKey, "emulators")));

        Assert.Equal(
            "Emulators:ListenAddress is 'emulators'; it must be an IP address (0.0.0.0 for every interface) or unset (loopback).", error);
    }

    [Fact]
    public async Task Told_to_listen_on_every_interface_the_process_binds_loopback_and_is_not_reachable_from_outside()
    {
        await using var service = ServiceProcess.Start("Zmarty.Emulators", new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["ASPNETCORE_URLS"] = "http://0.0.0.0:0",
        });

        var listening = await service.ListeningAsync();

        Assert.True(IPAddress.IsLoopback(IPAddress.Parse(listening.Host)), $"listening on {listening}");
        if (OutsideAddress() is { } outside)
        {
            Assert.False(await ConnectsAsync(outside, listening.Port), $"{outside}:{listening.Port} accepted a connection");
        }
    }

    [Fact]
    public async Task With_the_compose_files_listen_address_the_process_is_reachable_from_outside()
    {
        await using var service = ServiceProcess.Start("Zmarty.Emulators", new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["Emulators__ListenAddress"] = "0.0.0.0",
        });

        var listening = await service.ListeningAsync();

        Assert.Equal(IPAddress.Any, IPAddress.Parse(listening.Host));
        Assert.True(await ConnectsAsync(OutsideAddress() ?? IPAddress.Loopback, listening.Port));
    }

    private static IConfiguration Configuration(params (string Key, string? Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, v.Value))).Build();

    /// <summary>An IPv4 address of this machine that is not loopback, as another host reaches it; null on a machine without one.</summary>
    private static IPAddress? OutsideAddress() => NetworkInterface.GetAllNetworkInterfaces()
        .Where(i => i.OperationalStatus == OperationalStatus.Up && i.NetworkInterfaceType != NetworkInterfaceType.Loopback)
        .SelectMany(i => i.GetIPProperties().UnicastAddresses)
        .Select(a => a.Address)
        .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));

    private static async Task<bool> ConnectsAsync(IPAddress address, int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(address, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
