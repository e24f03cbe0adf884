using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;

namespace Zmarty.Tests;

/// <summary>Host environments for validators that behave differently outside Development.</summary>
internal static class TestEnvironments
{
    public static IHostEnvironment Development { get; } = new Named("Development");

    public static IHostEnvironment Production { get; } = new Named("Production");

    private sealed class Named(string name) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = name;

        public string ApplicationName { get; set; } = "Zmarty.Api";

        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;

        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}
