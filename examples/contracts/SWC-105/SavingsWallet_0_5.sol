// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.5.0;

/// @title SavingsWallet
/// @notice A personal wallet that accepts deposits from anyone. `withdraw` is
///         owner-only, but the later-added `withdrawAll` forgot the check.
contract SavingsWallet {
    address payable public owner;

    event Received(address indexed from, uint256 amount);
    event Withdrawn(address indexed to, uint256 amount);

    constructor() public {
        owner = msg.sender;
    }

    function() external payable {
        emit Received(msg.sender, msg.value);
    }

    function withdraw(uint256 amount) public {
        require(msg.sender == owner, "not owner");
        owner.transfer(amount);
        emit Withdrawn(owner, amount);
    }

    /// @notice Empties the wallet into `to`, e.g. when migrating to a new wallet.
    function withdrawAll(address payable to) public {
        require(to != address(0), "zero address");
        uint256 amount = address(this).balance;
        to.transfer(amount); // SWC-105
        emit Withdrawn(to, amount);
    }
}
