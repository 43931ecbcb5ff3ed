// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.5.0;

/// @title SavingsWalletFixed
/// @notice A personal wallet that accepts deposits from anyone. Every function
///         that moves ether out is guarded by the same `onlyOwner` modifier.
contract SavingsWalletFixed {
    address payable public owner;

    event Received(address indexed from, uint256 amount);
    event Withdrawn(address indexed to, uint256 amount);

    modifier onlyOwner() {
        require(msg.sender == owner, "not owner");
        _;
    }

    constructor() public {
        owner = msg.sender;
    }

    function() external payable {
        emit Received(msg.sender, msg.value);
    }

    function withdraw(uint256 amount) public onlyOwner {
        owner.transfer(amount);
        emit Withdrawn(owner, amount);
    }

    /// @notice Empties the wallet into `to`, e.g. when migrating to a new wallet.
    function withdrawAll(address payable to) public onlyOwner {
        require(to != address(0), "zero address");
        uint256 amount = address(this).balance;
        to.transfer(amount);
        emit Withdrawn(to, amount);
    }
}
